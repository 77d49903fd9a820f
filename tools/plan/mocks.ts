/**
 * Strict mock tables for the plan's local engine (tools/plan/engine/): every resource type and provider function
 * the program may use, with what the cloud would fill in (ids, ARNs, endpoints, Kubernetes names), so references
 * resolve. Anything not listed fails the plan loudly instead of quietly returning `{}`.
 */
import type { Answers } from "./engine/monitor";
import { createHash } from "node:crypto";
import { mockBaseStackOutputs } from "./base-stack";

export const MOCK_ACCOUNT_ID = "123456789012";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- resource inputs and state are whatever the provider's schema says
type Inputs = Record<string, any>;
export interface MockEnv {
  region: string;
}
/** Fills in the outputs the cloud computes for one resource type. */
type StateFn = (inputs: Inputs, name: string, env: MockEnv) => Inputs;

const none: StateFn = () => ({});
const arn =
  (service: string, kind: string): StateFn =>
  (_i, name, env) => ({
    arn: `arn:aws:${service}:${env.region}:${MOCK_ACCOUNT_ID}:${kind}${name}`,
  });
const hash = (text: string) => createHash("sha256").update(text).digest("hex");

/** AWS, random and provider resource types the program declares, with their computed outputs. */
export const RESOURCE_STATE: Record<string, StateFn> = {
  "pulumi:providers:aws": none,
  "pulumi:providers:kubernetes": none,
  // Network
  "aws:ec2/vpc:Vpc": (i, name, env) => ({
    ...arn("ec2", "vpc/")(i, name, env),
    defaultSecurityGroupId: `sg-default-${name}`,
    mainRouteTableId: `rtb-main-${name}`,
  }),
  "aws:ec2/subnet:Subnet": arn("ec2", "subnet/"),
  "aws:ec2/internetGateway:InternetGateway": arn("ec2", "internet-gateway/"),
  "aws:ec2/eip:Eip": (_i, name) => ({
    publicIp: `198.51.100.${parseInt(hash(name).slice(0, 2), 16) % 250}`,
    allocationId: `eipalloc-${name}`,
  }),
  "aws:ec2/natGateway:NatGateway": none,
  "aws:ec2/routeTable:RouteTable": arn("ec2", "route-table/"),
  "aws:ec2/route:Route": none,
  "aws:ec2/routeTableAssociation:RouteTableAssociation": none,
  "aws:ec2/vpcEndpoint:VpcEndpoint": arn("ec2", "vpc-endpoint/"),
  "aws:ec2/flowLog:FlowLog": arn("ec2", "vpc-flow-log/"),
  "aws:ec2/securityGroup:SecurityGroup": arn("ec2", "security-group/"),
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": arn("ec2", "security-group-rule/"),
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": arn("ec2", "security-group-rule/"),
  "aws:cloudwatch/logGroup:LogGroup": (i, name, env) => ({
    arn: `arn:aws:logs:${env.region}:${MOCK_ACCOUNT_ID}:log-group:${i.name ?? name}`,
    name: i.name ?? name,
  }),
  "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": none,
  // IAM and keys
  "aws:iam/role:Role": (i, name) => ({
    arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${i.name ?? name}`,
    name: i.name ?? name,
    uniqueId: `AROA${hash(name).slice(0, 16).toUpperCase()}`,
  }),
  "aws:iam/rolePolicy:RolePolicy": none,
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": none,
  "aws:iam/policy:Policy": (i, name) => ({ arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/${i.name ?? name}` }),
  "aws:kms/key:Key": (_i, name, env) => ({
    arn: `arn:aws:kms:${env.region}:${MOCK_ACCOUNT_ID}:key/${name}`,
    keyId: `${name}-key-id`,
  }),
  "aws:kms/alias:Alias": arn("kms", "alias/"),
  "random:index/randomPassword:RandomPassword": (i, name) => ({
    result: `mock-${hash(name).slice(0, Math.min(Number(i.length ?? 32), 64))}`,
  }),
  "aws:secretsmanager/secret:Secret": arn("secretsmanager", "secret:"),
  "aws:secretsmanager/secretVersion:SecretVersion": (_i, name) => ({ versionId: `${name}-v1` }),
  // PostgreSQL
  "aws:rds/subnetGroup:SubnetGroup": (i, name) => ({ name: i.name ?? name }),
  "aws:rds/parameterGroup:ParameterGroup": (i, name) => ({ name: i.name ?? name }),
  "aws:rds/instance:Instance": (i, name, env) => {
    const identifier = i.identifier ?? name;
    const address = `${identifier}.c0mockdb0000.${env.region}.rds.amazonaws.com`;
    return {
      identifier,
      address,
      port: 5432,
      endpoint: `${address}:5432`,
      arn: `arn:aws:rds:${env.region}:${MOCK_ACCOUNT_ID}:db:${identifier}`,
      resourceId: `db-${hash(identifier).slice(0, 20).toUpperCase()}`,
    };
  },
  // Redis
  "aws:elasticache/subnetGroup:SubnetGroup": (i, name) => ({ name: i.name ?? name }),
  "aws:elasticache/parameterGroup:ParameterGroup": (i, name) => ({ name: i.name ?? name }),
  "aws:elasticache/replicationGroup:ReplicationGroup": (i, name, env) => {
    const id = i.replicationGroupId ?? name;
    return {
      arn: `arn:aws:elasticache:${env.region}:${MOCK_ACCOUNT_ID}:replicationgroup:${id}`,
      configurationEndpointAddress: `clustercfg.${id}.mock00.use1.cache.amazonaws.com`,
      port: i.port ?? 6379,
    };
  },
  // OpenSearch
  "aws:opensearch/domain:Domain": (i, name, env) => {
    const domain = i.domainName ?? name;
    return {
      arn: `arn:aws:es:${env.region}:${MOCK_ACCOUNT_ID}:domain/${domain}`,
      domainId: `${MOCK_ACCOUNT_ID}/${domain}`,
      endpoint: `vpc-${domain}-mock0000.${env.region}.es.amazonaws.com`,
    };
  },
  "aws:opensearch/domainPolicy:DomainPolicy": none,
  // EKS (infra/components/cluster.ts) and its add-ons (addons.ts)
  "aws:eks/cluster:Cluster": (i, name, env) => {
    const cluster = i.name ?? name;
    const id = hash(cluster).slice(0, 32).toUpperCase();
    const ca = `-----BEGIN CERTIFICATE-----\nMOCK-${id}\n-----END CERTIFICATE-----\n`;
    return {
      name: cluster,
      arn: `arn:aws:eks:${env.region}:${MOCK_ACCOUNT_ID}:cluster/${cluster}`,
      endpoint: `https://${id}.gr7.${env.region}.eks.amazonaws.com`,
      certificateAuthority: { data: Buffer.from(ca).toString("base64") },
      identities: [{ oidcs: [{ issuer: `https://oidc.eks.${env.region}.amazonaws.com/id/${id}` }] }],
      vpcConfig: {
        ...(i.vpcConfig ?? {}),
        clusterSecurityGroupId: `sg-eks-cluster-${hash(cluster).slice(0, 12)}`,
        vpcId: "vpc-mock",
      },
      platformVersion: "eks.1",
      status: "ACTIVE",
    };
  },
  "aws:eks/nodeGroup:NodeGroup": (i, name, env) => {
    const group = i.nodeGroupName ?? `${i.nodeGroupNamePrefix ?? ""}${hash(name).slice(0, 20)}`;
    return {
      nodeGroupName: group,
      arn: `arn:aws:eks:${env.region}:${MOCK_ACCOUNT_ID}:nodegroup/${i.clusterName}/${group}/${hash(name).slice(0, 36)}`,
      status: "ACTIVE",
      resources: [
        { autoscalingGroups: [{ name: `eks-${group}-${hash(name).slice(0, 8)}` }], remoteAccessSecurityGroupId: "" },
      ],
    };
  },
  "aws:eks/addon:Addon": (i, name, env) => ({
    arn: `arn:aws:eks:${env.region}:${MOCK_ACCOUNT_ID}:addon/${i.clusterName}/${i.addonName}/${hash(name).slice(0, 36)}`,
    addonVersion: i.addonVersion,
  }),
  "aws:eks/accessEntry:AccessEntry": (i, _name, env) => ({
    accessEntryArn: `arn:aws:eks:${env.region}:${MOCK_ACCOUNT_ID}:access-entry/${i.clusterName}/role/${hash(String(i.principalArn)).slice(0, 36)}`,
    kubernetesGroups: [],
    userName: String(i.principalArn),
  }),
  "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": () => ({ associatedAt: "2026-01-01T00:00:00Z" }),
  "aws:ec2/launchTemplate:LaunchTemplate": (_i, name, env) => ({
    arn: `arn:aws:ec2:${env.region}:${MOCK_ACCOUNT_ID}:launch-template/lt-${hash(name).slice(0, 17)}`,
    latestVersion: 1,
    defaultVersion: 1,
  }),
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (i) => ({
    arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${String(i.url).replace(/^https:\/\//, "")}`,
  }),
  "kubernetes:helm.sh/v3:Release": (i, name) => {
    const release = i.name ?? name;
    const namespace = i.namespace ?? "default";
    return {
      name: release,
      namespace,
      status: { name: release, namespace, chart: i.chart, version: i.version, status: "deployed", revision: 1 },
    };
  },
  // CDN: buckets, their settings, CloudFront
  "aws:s3/bucket:Bucket": (i, name, env) => {
    const bucket = i.bucket ?? name;
    return {
      bucket,
      arn: `arn:aws:s3:::${bucket}`,
      bucketDomainName: `${bucket}.s3.amazonaws.com`,
      bucketRegionalDomainName: `${bucket}.s3.${env.region}.amazonaws.com`,
      region: env.region,
      hostedZoneId: "Z3AQBSTGFYJSTF",
    };
  },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": none,
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": none,
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": none,
  "aws:s3/bucketVersioning:BucketVersioning": none,
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": none,
  "aws:s3/bucketAcl:BucketAcl": none,
  "aws:s3/bucketPolicy:BucketPolicy": none,
  "aws:cloudfront/originAccessControl:OriginAccessControl": (_i, name) => ({
    etag: `E${hash(name).slice(0, 12).toUpperCase()}`,
  }),
  "aws:cloudfront/cachePolicy:CachePolicy": (_i, name) => ({ etag: `E${hash(name).slice(0, 12).toUpperCase()}` }),
  "aws:cloudfront/originRequestPolicy:OriginRequestPolicy": (_i, name) => ({
    etag: `E${hash(name).slice(0, 12).toUpperCase()}`,
  }),
  "aws:cloudfront/distribution:Distribution": (_i, name) => {
    const id = `E${hash(name).slice(0, 13).toUpperCase()}`;
    return {
      arn: `arn:aws:cloudfront::${MOCK_ACCOUNT_ID}:distribution/${id}`,
      domainName: `d${hash(name).slice(0, 13)}.cloudfront.net`,
      // CloudFront's fixed Route 53 zone for alias records.
      hostedZoneId: "Z2FDTNDATAQYW2",
      status: "Deployed",
      etag: `E${hash(name).slice(0, 12).toUpperCase()}`,
    };
  },
};

/**
 * Kubernetes objects: the name the API server keeps (metadata.name, else `${name}-<hash>` like Pulumi's
 * auto-naming) and the namespace ("default" for namespaced kinds when absent).
 */
const k8sObject =
  (namespaced: boolean): StateFn =>
  (i, name) => {
    const metadata = { ...(i.metadata ?? {}) };
    metadata.name ??= `${name}-${hash(name).slice(0, 8)}`;
    if (namespaced) metadata.namespace ??= "default";
    metadata.uid ??= hash(`${metadata.namespace ?? ""}/${metadata.name}`).slice(0, 32);
    return { metadata };
  };

// Compute tier: image, workloads, the API's load balancer (image.ts, pgbouncer.ts, workloads.ts, load-balancer.ts)
Object.assign(RESOURCE_STATE, {
  "aws:ecr/repository:Repository": (i: Inputs, name: string, env: MockEnv) => {
    const repo = i.name ?? name;
    return {
      arn: `arn:aws:ecr:${env.region}:${MOCK_ACCOUNT_ID}:repository/${repo}`,
      registryId: MOCK_ACCOUNT_ID,
      repositoryUrl: `${MOCK_ACCOUNT_ID}.dkr.ecr.${env.region}.amazonaws.com/${repo}`,
    };
  },
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": () => ({ registryId: MOCK_ACCOUNT_ID }),
  "docker-build:index:Image": (i: Inputs, name: string) => {
    const digest = `sha256:${hash(`${name}:${JSON.stringify(i.tags ?? [])}`)}`;
    const tag = String((i.tags ?? [])[0] ?? name);
    return { digest, ref: `${tag}@${digest}`, contextHash: hash(name) };
  },
  "aws:lb/loadBalancer:LoadBalancer": (i: Inputs, name: string, env: MockEnv) => {
    const lb = i.name ?? name;
    const id = hash(lb).slice(0, 16);
    return {
      arn: `arn:aws:elasticloadbalancing:${env.region}:${MOCK_ACCOUNT_ID}:loadbalancer/app/${lb}/${id}`,
      arnSuffix: `app/${lb}/${id}`,
      dnsName: `${lb}-${parseInt(id.slice(0, 8), 16)}.${env.region}.elb.amazonaws.com`,
      zoneId: "Z35SXDOTRQ7X7K",
    };
  },
  "aws:lb/targetGroup:TargetGroup": (i: Inputs, name: string, env: MockEnv) => {
    const tg = i.name ?? name;
    const id = hash(tg).slice(0, 16);
    return {
      arn: `arn:aws:elasticloadbalancing:${env.region}:${MOCK_ACCOUNT_ID}:targetgroup/${tg}/${id}`,
      arnSuffix: `targetgroup/${tg}/${id}`,
      name: tg,
    };
  },
  "aws:lb/listener:Listener": (_i: Inputs, name: string, env: MockEnv) => ({
    arn: `arn:aws:elasticloadbalancing:${env.region}:${MOCK_ACCOUNT_ID}:listener/app/${hash(name).slice(0, 16)}`,
  }),
  "aws:lb/listenerRule:ListenerRule": (_i: Inputs, name: string, env: MockEnv) => ({
    arn: `arn:aws:elasticloadbalancing:${env.region}:${MOCK_ACCOUNT_ID}:listener-rule/app/${hash(name).slice(0, 16)}`,
  }),
  "kubernetes:core/v1:Namespace": k8sObject(false),
  "kubernetes:core/v1:ConfigMap": k8sObject(true),
  "kubernetes:core/v1:Secret": k8sObject(true),
  "kubernetes:core/v1:ServiceAccount": k8sObject(true),
  "kubernetes:core/v1:Service": (i: Inputs, name: string, env: MockEnv) => ({
    ...k8sObject(true)(i, name, env),
    spec: {
      ...(i.spec ?? {}),
      clusterIP: `172.20.${parseInt(hash(name).slice(0, 2), 16)}.${parseInt(hash(name).slice(2, 4), 16)}`,
    },
  }),
  "kubernetes:apps/v1:Deployment": k8sObject(true),
  "kubernetes:batch/v1:Job": k8sObject(true),
  "kubernetes:policy/v1:PodDisruptionBudget": k8sObject(true),
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": k8sObject(true),
  "kubernetes:keda.sh/v1alpha1:ScaledObject": k8sObject(true),
  "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding": k8sObject(true),
} satisfies Record<string, StateFn>);

// Preview stacks (previews/): the base stack's outputs, and the namespace-scoped objects.
Object.assign(RESOURCE_STATE, {
  "pulumi:pulumi:StackReference": (i: Inputs) => ({
    name: i.name,
    outputs: mockBaseStackOutputs(String(i.name), MOCK_ACCOUNT_ID),
    secretOutputNames: [],
  }),
  "kubernetes:apps/v1:StatefulSet": k8sObject(true),
  "kubernetes:core/v1:ResourceQuota": k8sObject(true),
  "kubernetes:core/v1:LimitRange": k8sObject(true),
  "kubernetes:networking.k8s.io/v1:Ingress": k8sObject(true),
} satisfies Record<string, StateFn>);

// The EBS CSI driver's default StorageClass (infra/components/addons.ts).
Object.assign(RESOURCE_STATE, {
  "kubernetes:storage.k8s.io/v1:StorageClass": k8sObject(false),
} satisfies Record<string, StateFn>);

// Monitoring (issue 16): the Prometheus workspace and its scraper, rules and Alertmanager; SNS; CloudWatch.
Object.assign(RESOURCE_STATE, {
  "aws:amp/workspace:Workspace": (_i: Inputs, name: string, env: MockEnv) => {
    const id = `ws-${hash(name).slice(0, 8)}-${hash(name).slice(8, 12)}-${hash(name).slice(12, 16)}-${hash(name).slice(16, 20)}-${hash(name).slice(20, 32)}`;
    return {
      id,
      arn: `arn:aws:aps:${env.region}:${MOCK_ACCOUNT_ID}:workspace/${id}`,
      prometheusEndpoint: `https://aps-workspaces.${env.region}.amazonaws.com/workspaces/${id}/`,
    };
  },
  "aws:amp/scraper:Scraper": (_i: Inputs, name: string, env: MockEnv) => {
    const id = `s-${hash(name).slice(0, 8)}-${hash(name).slice(8, 12)}-${hash(name).slice(12, 16)}-${hash(name).slice(16, 20)}-${hash(name).slice(20, 32)}`;
    return {
      arn: `arn:aws:aps:${env.region}:${MOCK_ACCOUNT_ID}:scraper/${id}`,
      roleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/aws-service-role/scraper.aps.amazonaws.com/AWSServiceRoleForAmazonPrometheusScraper_${hash(name).slice(0, 13)}`,
    };
  },
  "aws:amp/ruleGroupNamespace:RuleGroupNamespace": (i: Inputs, _name: string, env: MockEnv) => ({
    arn: `arn:aws:aps:${env.region}:${MOCK_ACCOUNT_ID}:rulegroupsnamespace/${i.workspaceId}/${i.name}`,
  }),
  "aws:amp/alertManagerDefinition:AlertManagerDefinition": none,
  "aws:sns/topic:Topic": (i: Inputs, name: string, env: MockEnv) => ({
    arn: `arn:aws:sns:${i.region ?? env.region}:${MOCK_ACCOUNT_ID}:${i.name ?? name}`,
    name: i.name ?? name,
  }),
  "aws:sns/topicPolicy:TopicPolicy": none,
  "aws:sns/topicSubscription:TopicSubscription": (i: Inputs, name: string, env: MockEnv) => ({
    arn: `${String(i.topic ?? `arn:aws:sns:${env.region}:${MOCK_ACCOUNT_ID}:topic`)}:${hash(name).slice(0, 36)}`,
    pendingConfirmation: i.protocol === "email",
  }),
  "aws:cloudwatch/metricAlarm:MetricAlarm": (i: Inputs, name: string, env: MockEnv) => ({
    arn: `arn:aws:cloudwatch:${i.region ?? env.region}:${MOCK_ACCOUNT_ID}:alarm:${i.name ?? name}`,
  }),
  "aws:cloudwatch/dashboard:Dashboard": (i: Inputs, name: string) => ({
    dashboardArn: `arn:aws:cloudwatch::${MOCK_ACCOUNT_ID}:dashboard/${i.dashboardName ?? name}`,
  }),
  "kubernetes:apps/v1:DaemonSet": k8sObject(true),
  "kubernetes:keda.sh/v1alpha1:TriggerAuthentication": k8sObject(true),
} satisfies Record<string, StateFn>);

/** Provider functions the program calls, with what AWS would answer. */
export const CALL_RESULTS: Record<string, (inputs: Inputs, env: MockEnv) => Inputs> = {
  "aws:index/getAvailabilityZones:getAvailabilityZones": (_i, env) => ({
    id: env.region,
    names: ["a", "b", "c", "d"].map((z) => `${env.region}${z}`),
    zoneIds: [1, 2, 3, 4].map((n) => `use1-az${n}`),
  }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: MOCK_ACCOUNT_ID,
    arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/plan`,
    userId: "AIDAPLAN",
    id: MOCK_ACCOUNT_ID,
  }),
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": (i, env) => ({
    id: env.region,
    registryId: i.registryId ?? MOCK_ACCOUNT_ID,
    userName: "AWS",
    password: "mock-ecr-token",
    authorizationToken: Buffer.from("AWS:mock-ecr-token").toString("base64"),
    proxyEndpoint: `https://${MOCK_ACCOUNT_ID}.dkr.ecr.${env.region}.amazonaws.com`,
    expiresAt: "2026-01-01T12:00:00Z",
  }),
  // The image a rollback runs: what an earlier deploy pushed under that tag (a digest derived from the tag).
  "aws:ecr/getImage:getImage": (i, env) => ({
    id: `${i.repositoryName}:${i.imageTag}`,
    registryId: MOCK_ACCOUNT_ID,
    repositoryName: i.repositoryName,
    imageTag: i.imageTag,
    imageDigest: `sha256:${createHash("sha256").update(`pushed:${i.imageTag}`).digest("hex")}`,
    imageUri: `${MOCK_ACCOUNT_ID}.dkr.ecr.${env.region}.amazonaws.com/${i.repositoryName}:${i.imageTag}`,
    imageTags: [i.imageTag],
  }),
  "aws:ec2/getManagedPrefixList:getManagedPrefixList": (i, env) => ({
    // us-east-1's CloudFront origin-facing list id.
    id:
      i.name === "com.amazonaws.global.cloudfront.origin-facing"
        ? "pl-3b927c52"
        : `pl-${createHash("sha256").update(String(i.name)).digest("hex").slice(0, 8)}`,
    name: i.name,
    arn: `arn:aws:ec2:${env.region}:aws:prefix-list/pl-3b927c52`,
    addressFamily: "IPv4",
    maxEntries: 55,
    ownerId: "AWS",
    entries: [],
    tags: {},
  }),
  "aws:eks/getCluster:getCluster": (i, env) => {
    const id = hash(String(i.name)).slice(0, 32).toUpperCase();
    return {
      id: i.name,
      name: i.name,
      arn: `arn:aws:eks:${env.region}:${MOCK_ACCOUNT_ID}:cluster/${i.name}`,
      endpoint: `https://${id}.gr7.${env.region}.eks.amazonaws.com`,
      certificateAuthorities: [
        {
          data: Buffer.from(`-----BEGIN CERTIFICATE-----\nMOCK-${id}\n-----END CERTIFICATE-----\n`).toString("base64"),
        },
      ],
      status: "ACTIVE",
    };
  },
  // The account-wide prerequisites exist (npm run bootstrap): the OpenSearch service-linked role.
  "aws:iam/getRoles:getRoles": (i) => {
    const names =
      i.pathPrefix === "/aws-service-role/opensearchservice.amazonaws.com/"
        ? ["AWSServiceRoleForAmazonOpenSearchService"]
        : [];
    return {
      id: String(i.pathPrefix ?? ""),
      pathPrefix: i.pathPrefix,
      names,
      arns: names.map((n) => `arn:aws:iam::${MOCK_ACCOUNT_ID}:role${String(i.pathPrefix)}${n}`),
    };
  },
  "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
  "aws:index/getRegion:getRegion": (_i, env) => ({ name: env.region, region: env.region, id: env.region }),
  "aws:s3/getCanonicalUserId:getCanonicalUserId": () => ({
    id: hash(`canonical-${MOCK_ACCOUNT_ID}`),
    displayName: "storyforge-plan",
  }),
};

/**
 * The engine's answers from the tables above: a custom resource gets the id `<name>-id` and its computed state, a
 * provider function its result. Anything not listed fails the registration, and with it the plan.
 */
export function strictAnswers(env: MockEnv): Answers {
  return {
    resource: ({ type, name, inputs }) => {
      const stateFn = RESOURCE_STATE[type];
      if (!stateFn) {
        throw new Error(
          `strict mocks: unknown resource type ${type} (resource "${name}"); list it in tools/plan/mocks.ts`,
        );
      }
      return { id: `${name}-id`, state: stateFn(inputs, name, env) };
    },
    invoke: (token, args) => {
      const result = CALL_RESULTS[token];
      if (!result) throw new Error(`strict mocks: unknown provider function ${token}; list it in tools/plan/mocks.ts`);
      return result(args, env);
    },
  };
}

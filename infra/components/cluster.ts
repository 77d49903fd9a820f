import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KUBERNETES_PINS, type KubernetesPins } from "../../stacks/kubernetes";
import { PREVIEW_PREFIX } from "../../stacks/preview/naming";
import { PROJECT } from "../../stacks/config";
import { NODE_ROLES, type NodeRole, type TierSpec } from "../../stacks/tiers";
import { autoscalerClusterTag, AUTOSCALER_ENABLED_TAG } from "../lib/addon-policies";
import { type NodeGroupSize, nodeGroupSizes, SYSTEM_INSTANCE_CLASS } from "../lib/capacity";
import { type StackContext } from "../lib/context";
import { NAME_LIMITS } from "../lib/naming";
import { creatorEntryProblem } from "../lib/access-entries";
import { encryptionKey } from "./access";
import { serviceAccountRole } from "./irsa";
import { eksKubeconfig } from "../lib/kubeconfig";
import { checkedAddonVersion } from "../lib/addon-versions";
import { type Network } from "./network";

/** Every control-plane log type EKS can send to CloudWatch (CIS EKS 2.1.1). */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** Graviton nodes: the tier classes (c7g, m7g) and the system class are arm64. */
export const NODE_AMI_TYPE = "AL2023_ARM_64_STANDARD";

/** The namespaces preview stacks deploy into (`preview-<name>`, stacks/preview/naming.ts), as an EKS access scope. */
export const PREVIEW_NAMESPACES = `${PREVIEW_PREFIX}*`;

/** Label and taint key that places pods on their role's node group. */
export const ROLE_LABEL = "storyforge.io/role";

/** A managed node group as the workloads and the capacity check see it. */
export interface NodeGroupSpec extends NodeGroupSize {
  /** Node labels; pods select their role with `storyforge.io/role`. */
  labels: Record<string, string>;
  /** Present on the api and worker groups: only pods that tolerate it run there. */
  taint?: { key: string; value: string; effect: "NoSchedule" };
}

/** Node groups of a tier: `nodeGroupSizes` (infra/lib/capacity) with each role's label and, for api and worker, taint. */
export function nodeGroupSpecs(
  tier: TierSpec,
  systemInstanceClass: string = SYSTEM_INSTANCE_CLASS,
): Record<NodeRole, NodeGroupSpec> {
  const sizes = nodeGroupSizes(tier, systemInstanceClass);
  const spec = (role: NodeRole): NodeGroupSpec => ({
    ...sizes[role],
    labels: { [ROLE_LABEL]: role },
    ...(role === "system" ? {} : { taint: { key: ROLE_LABEL, value: role, effect: "NoSchedule" as const } }),
  });
  return { system: spec("system"), api: spec("api"), worker: spec("worker") };
}

/** Graviton families (…g, …gn, …gd): the arm64 AMI runs only on them. */
const GRAVITON_CLASS = /^[a-z]+\d+g[a-z]*\.[a-z0-9]+$/;

/** The config key a role's class comes from, named in errors. */
const CLASS_KEY: Record<NodeRole, string> = {
  system: "systemInstanceClass (ClusterArgs)",
  api: `${PROJECT}:apiInstanceClass`,
  worker: `${PROJECT}:workerInstanceClass`,
};

export interface ClusterArgs {
  /** Stack context: `config.cluster` (version, public CIDRs, admin role) and `tier.compute` (node counts, classes). */
  context: StackContext;
  /** The VPC: the control plane's ENIs and every node live in its private subnets; nodes join its workload group. */
  network: Network;
  /**
   * Days control-plane logs are kept in CloudWatch.
   * @default 30
   */
  logRetentionDays?: number;
  /**
   * EC2 class of the system node group (add-ons, PgBouncer). Must be Graviton. Changing it replaces the group's nodes.
   * @default "m7g.large"
   */
  systemInstanceClass?: string;
  /**
   * gp3 root volume of every node in GiB (image layers, logs, emptyDir). Changing it rolls the nodes.
   * @default 50
   */
  nodeVolumeGb?: number;
}

/**
 * The EKS cluster: a pinned Kubernetes version, access entries (API authentication mode), a private API endpoint
 * (public only from `clusterPublicAccessCidrs`), secrets envelope-encrypted with its own KMS key, all control-plane
 * logs, an OIDC provider for IRSA, the EKS managed add-ons vpc-cni (with its own IRSA role), kube-proxy and CoreDNS,
 * and three managed node groups (system, api, worker) on Graviton in the private subnets, from launch templates
 * that require IMDSv2 with a hop limit of 1 so pods cannot take the node's credentials.
 *
 * Monthly cost (us-east-1 on-demand, 730 h): control plane $73 (standard support); nodes at their minimum —
 * mvp 2 × m7g.large + 3 × c7g.large + 5 × c7g.xlarge ≈ $1,000; v1 2 × m7g.large + 5 × c7g.xlarge + 10 × m7g.xlarge
 * ≈ $2,300; v2 3 × m7g.large + 10 × c7g.xlarge + 20 × m7g.2xlarge ≈ $7,300; plus gp3 roots and log ingestion
 * (see `npm run cost`). Autoscaling to the maxima can add up to the difference to `maxSize`.
 */
export class Cluster extends pulumi.ComponentResource {
  /** The EKS cluster's name (also in the subnets' `kubernetes.io/cluster/<name>` tags). */
  readonly clusterName: pulumi.Output<string>;
  /** The EKS cluster's ARN (the managed Prometheus scraper's source). */
  readonly clusterArn: pulumi.Output<string>;
  /** HTTPS endpoint of the Kubernetes API. */
  readonly endpoint: pulumi.Output<string>;
  /** Kubernetes minor version of the control plane and nodes. */
  readonly kubernetesVersion: string;
  /** The provider every Kubernetes resource of the stack uses; ready once the node groups and CoreDNS are. */
  readonly provider: k8s.Provider;
  /** ARN of the IAM OIDC provider IRSA roles trust. */
  readonly oidcProviderArn: pulumi.Output<string>;
  /** The OIDC issuer without `https://`, as IRSA trust conditions key it. */
  readonly oidcIssuer: pulumi.Output<string>;
  /** The security group EKS creates for the control plane and nodes (nodes also carry the workload group). */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  /** Size and placement of each node group. */
  readonly nodeGroups: Record<NodeRole, NodeGroupSpec>;
  /** The node group resources, for `dependsOn`. */
  readonly nodeGroupResources: Record<NodeRole, aws.eks.NodeGroup>;
  /** Pinned versions for this cluster's Kubernetes minor. */
  readonly pins: KubernetesPins;
  /** Role of the nodes: ECR pulls and joining the cluster only. */
  readonly nodeRoleArn: pulumi.Output<string>;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:compute:Cluster", name, {}, opts);
    const { context, network } = args;
    const settings = context.config.cluster;
    const logRetentionDays = args.logRetentionDays ?? 30;
    const systemInstanceClass = args.systemInstanceClass ?? SYSTEM_INSTANCE_CLASS;
    const nodeVolumeGb = args.nodeVolumeGb ?? 50;

    const pins = KUBERNETES_PINS[settings.kubernetesVersion];
    if (pins === undefined) {
      throw new Error(
        `${PROJECT}:kubernetesVersion ${JSON.stringify(settings.kubernetesVersion)} has no pinned add-on versions (pinned: ${Object.keys(KUBERNETES_PINS).join(", ")})`,
      );
    }
    if (!Number.isInteger(logRetentionDays) || logRetentionDays < 1) {
      throw new Error(`logRetentionDays must be a positive whole number, got ${logRetentionDays}`);
    }
    if (!Number.isInteger(nodeVolumeGb) || nodeVolumeGb < 20 || nodeVolumeGb > 1000) {
      throw new Error(`nodeVolumeGb must be between 20 and 1000, got ${nodeVolumeGb}`);
    }
    const { compute } = context.config.tier;
    const classes: Record<NodeRole, string> = {
      system: systemInstanceClass,
      api: compute.api.instanceClass,
      worker: compute.workers.instanceClass,
    };
    for (const role of NODE_ROLES) {
      if (!GRAVITON_CLASS.test(classes[role])) {
        throw new Error(
          `${CLASS_KEY[role]} must be a Graviton (arm64) class such as m7g.large for the ${NODE_AMI_TYPE} AMI, got "${classes[role]}"`,
        );
      }
    }
    const specs = nodeGroupSpecs(context.config.tier, systemInstanceClass);
    this.pins = pins;
    this.kubernetesVersion = settings.kubernetesVersion;
    this.nodeGroups = specs;
    const parent = { parent: this };
    // The name the network already tags subnets with; it must stay equal.
    const clusterName = context.name("cluster");
    const region = context.config.region;

    // Secrets envelope encryption.
    const key = encryptionKey(name, context, "eks-secrets", this);

    // EKS writes to this group; created first so retention is ours, not "never expire".
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-control-plane-logs`,
      {
        name: `/aws/eks/${clusterName}/cluster`,
        retentionInDays: logRetentionDays,
        tags: context.tags(),
      },
      parent,
    );

    const clusterRole = new aws.iam.Role(
      `${name}-role`,
      {
        name: context.name("eks-cluster", NAME_LIMITS.iamRole),
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags: context.tags(),
      },
      parent,
    );
    const clusterPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-role-cluster-policy`,
      {
        role: clusterRole.name,
        policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
      },
      parent,
    );
    // AmazonEKSClusterPolicy has no KMS rights; the control plane needs these on its own key only.
    const clusterKmsPolicy = new aws.iam.RolePolicy(
      `${name}-role-kms`,
      {
        role: clusterRole.id,
        name: "secrets-encryption",
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
              Resource: key.arn,
            },
          ],
        }),
      },
      parent,
    );

    const publicCidrs = settings.publicAccessCidrs;
    const cluster = new aws.eks.Cluster(
      `${name}-eks`,
      {
        name: clusterName,
        version: settings.kubernetesVersion,
        roleArn: clusterRole.arn,
        vpcConfig: {
          subnetIds: network.privateSubnetIds,
          endpointPrivateAccess: true,
          endpointPublicAccess: publicCidrs.length > 0,
          // Unset when the endpoint is private: AWS would otherwise report 0.0.0.0/0 for a public endpoint.
          publicAccessCidrs: publicCidrs.length > 0 ? publicCidrs : undefined,
        },
        accessConfig: {
          authenticationMode: "API",
          // The identity running `pulumi up` becomes cluster admin, so it can install the add-ons and workloads.
          bootstrapClusterCreatorAdminPermissions: true,
        },
        encryptionConfig: { provider: { keyArn: key.arn }, resources: ["secrets"] },
        enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
        // vpc-cni, kube-proxy and CoreDNS come as pinned EKS add-ons below, not as unmanaged defaults.
        bootstrapSelfManagedAddons: false,
        // At the end of standard support EKS upgrades the cluster instead of billing extended support silently.
        upgradePolicy: { supportType: "STANDARD" },
        tags: context.tags({ Name: clusterName }),
      },
      { parent: this, dependsOn: [logGroup, clusterPolicy, clusterKmsPolicy] },
    );
    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;
    this.endpoint = cluster.endpoint;
    this.clusterSecurityGroupId = cluster.vpcConfig.clusterSecurityGroupId;
    // In-VPC deploys: the runner (in a subnet of this VPC, outside the cluster's own security group) reaches the
    // private endpoint on 443. Public-CIDR deploys come in through the public endpoint instead.
    if (settings.deployerAccess === "in-vpc") {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-deployer-api`,
        {
          securityGroupId: cluster.vpcConfig.clusterSecurityGroupId,
          description: "Kubernetes API from deploy runners inside the VPC (storyforge:deployerAccess in-vpc)",
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrIpv4: network.vpcCidr,
          tags: context.tags(),
        },
        parent,
      );
    }

    // IRSA. AWS validates EKS's issuer (an AWS-hosted endpoint) against its own trusted CAs and ignores thumbprints;
    // when none is given IAM fetches one itself, so no TLS lookup (and no tls provider) is needed here.
    const issuerUrl = cluster.identities.apply((ids) => ids[0]?.oidcs?.[0]?.issuer ?? "");
    const oidcProvider = new aws.iam.OpenIdConnectProvider(
      `${name}-oidc`,
      {
        url: issuerUrl,
        clientIdLists: ["sts.amazonaws.com"],
        tags: context.tags({ Name: context.name("eks-oidc") }),
      },
      parent,
    );
    this.oidcProviderArn = oidcProvider.arn;
    this.oidcIssuer = issuerUrl.apply((url) => url.replace(/^https:\/\//, ""));

    // Access entries of configured roles, refused when the role is the deployer's: EKS made that entry already. The
    // deployer's role is the issuer of its STS session (iam:GetRole on it resolves the path).
    const caller = aws.getCallerIdentityOutput({}, parent);
    const deployer = aws.iam.getSessionContextOutput({ arn: caller.arn }, parent);
    const entryPrincipal = (key: string, roleArn: string) =>
      deployer.issuerArn.apply((issuer) => {
        const problem = creatorEntryProblem(key, roleArn, issuer);
        if (problem !== undefined) throw new Error(problem);
        return roleArn;
      });

    // Operators: an optional admin role gets cluster-admin through an access entry.
    if (settings.adminRoleArn !== null) {
      const entry = new aws.eks.AccessEntry(
        `${name}-admin`,
        {
          clusterName: cluster.name,
          principalArn: entryPrincipal("clusterAdminRoleArn", settings.adminRoleArn),
          type: "STANDARD",
          tags: context.tags(),
        },
        parent,
      );
      new aws.eks.AccessPolicyAssociation(
        `${name}-admin-policy`,
        {
          clusterName: cluster.name,
          principalArn: entry.principalArn,
          policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
          accessScope: { type: "cluster" },
        },
        parent,
      );
    }

    // Developers: an optional role may deploy previews (`npm run preview -- up`): edit rights in the `preview-*`
    // namespaces only (EKS access scopes accept a trailing `*` in namespace names), never cluster-admin.
    if (settings.developerRoleArn !== null) {
      const entry = new aws.eks.AccessEntry(
        `${name}-developer`,
        {
          clusterName: cluster.name,
          principalArn: entryPrincipal("clusterDeveloperRoleArn", settings.developerRoleArn),
          type: "STANDARD",
          tags: context.tags(),
        },
        parent,
      );
      new aws.eks.AccessPolicyAssociation(
        `${name}-developer-policy`,
        {
          clusterName: cluster.name,
          principalArn: entry.principalArn,
          policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
          accessScope: { type: "namespace", namespaces: [PREVIEW_NAMESPACES] },
        },
        parent,
      );
    }

    // Node role: joining the cluster and pulling images, nothing else. The CNI's rights go to aws-node via IRSA.
    const nodeRole = new aws.iam.Role(
      `${name}-node-role`,
      {
        name: context.name("eks-node", NAME_LIMITS.iamRole),
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags: context.tags(),
      },
      parent,
    );
    this.nodeRoleArn = nodeRole.arn;
    const nodePolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"].map(
      (policy) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-node-${policy}`,
          { role: nodeRole.name, policyArn: `arn:aws:iam::aws:policy/${policy}` },
          parent,
        ),
    );

    // EKS managed add-ons that nodes need to become Ready come before the node groups.
    const cniRole = serviceAccountRole(`${name}-vpc-cni`, {
      context,
      cluster: this,
      namespace: "kube-system",
      serviceAccount: "aws-node",
      managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"],
      parent: this,
    });
    const addon = (
      addonName: string,
      version: string,
      extra: Partial<aws.eks.AddonArgs> = {},
      dependsOn: pulumi.Resource[] = [],
    ) =>
      new aws.eks.Addon(
        `${name}-${addonName}`,
        {
          clusterName: cluster.name,
          addonName,
          addonVersion: checkedAddonVersion(addonName, settings.kubernetesVersion, version, parent),
          resolveConflictsOnCreate: "OVERWRITE",
          resolveConflictsOnUpdate: "OVERWRITE",
          tags: context.tags(),
          ...extra,
        },
        { parent: this, dependsOn },
      );
    // aws-node assumes the role at start: without AmazonEKS_CNI_Policy attached first, no node becomes Ready.
    const vpcCni = addon("vpc-cni", pins.vpcCni, { serviceAccountRoleArn: cniRole.arn }, cniRole.grants);
    const kubeProxy = addon("kube-proxy", pins.kubeProxy);

    const groups = {} as Record<NodeRole, aws.eks.NodeGroup>;
    for (const role of NODE_ROLES) {
      const spec = specs[role];
      const nodeTags = context.tags({ Name: context.name(`${role}-node`), [ROLE_LABEL]: role });
      const template = new aws.ec2.LaunchTemplate(
        `${name}-${role}-lt`,
        {
          name: context.name(`${role}-nodes`),
          description: `StoryForge ${role} nodes: IMDSv2 only, hop limit 1, encrypted gp3 root`,
          updateDefaultVersion: true,
          metadataOptions: {
            httpEndpoint: "enabled",
            httpTokens: "required",
            // 1: a pod's extra network hop cannot reach the instance metadata (and the node role's credentials).
            httpPutResponseHopLimit: 1,
            instanceMetadataTags: "disabled",
          },
          blockDeviceMappings: [
            {
              deviceName: "/dev/xvda",
              ebs: { volumeSize: nodeVolumeGb, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            },
          ],
          // With a launch template EKS adds no group itself: the cluster group (control plane ↔ nodes, node ↔ node)
          // and the workload group (the data tier admits only it) are both named here.
          vpcSecurityGroupIds: [network.workloadSecurityGroup.id, cluster.vpcConfig.clusterSecurityGroupId],
          tagSpecifications: [
            { resourceType: "instance", tags: nodeTags },
            { resourceType: "volume", tags: nodeTags },
          ],
          tags: context.tags(),
        },
        parent,
      );

      groups[role] = new aws.eks.NodeGroup(
        `${name}-${role}`,
        {
          clusterName: cluster.name,
          nodeGroupNamePrefix: `${role}-`,
          version: settings.kubernetesVersion,
          nodeRoleArn: nodeRole.arn,
          subnetIds: network.privateSubnetIds,
          amiType: NODE_AMI_TYPE,
          capacityType: "ON_DEMAND",
          instanceTypes: [spec.instanceClass],
          scalingConfig: { minSize: spec.minSize, desiredSize: spec.desiredSize, maxSize: spec.maxSize },
          updateConfig: { maxUnavailablePercentage: 33 },
          // EKS replaces nodes that stay NotReady instead of leaving capacity short.
          nodeRepairConfig: { enabled: true },
          labels: spec.labels,
          taints: spec.taint ? [{ key: spec.taint.key, value: spec.taint.value, effect: "NO_SCHEDULE" }] : [],
          launchTemplate: { id: template.id, version: template.latestVersion.apply((v) => `${v}`) },
          // EKS puts these on the group's Auto Scaling group too; cluster-autoscaler discovers and may scale only those.
          tags: context.tags({
            [AUTOSCALER_ENABLED_TAG]: "true",
            [autoscalerClusterTag(clusterName)]: "owned",
            [ROLE_LABEL]: role,
          }),
        },
        {
          parent: this,
          dependsOn: [...nodePolicies, vpcCni, kubeProxy],
          // cluster-autoscaler owns the desired size after creation; Pulumi must not reset it on every update.
          ignoreChanges: ["scalingConfig.desiredSize"],
        },
      );
    }
    this.nodeGroupResources = groups;

    // CoreDNS needs nodes to schedule on; it lands on the untainted system group.
    const coredns = addon("coredns", pins.coredns, {}, Object.values(groups));

    const kubeconfig = pulumi
      .all([cluster.name, cluster.endpoint, cluster.certificateAuthority.data])
      .apply(([n, server, ca]) => eksKubeconfig({ name: n, endpoint: server, certificateAuthority: ca, region }));
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      {
        kubeconfig,
        enableServerSideApply: true,
      },
      { parent: this, dependsOn: [...Object.values(groups), coredns] },
    );

    this.registerOutputs({
      clusterName: this.clusterName,
      endpoint: this.endpoint,
      oidcProviderArn: this.oidcProviderArn,
      clusterSecurityGroupId: this.clusterSecurityGroupId,
    });
  }
}

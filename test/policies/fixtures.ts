/**
 * Compliant resources, one per type the pack checks. Each failing test case copies one and changes a single
 * field. Values follow the strictest tier (v2) so the same fixture passes at every tier.
 */
export const T = {
  rds: "aws:rds/instance:Instance",
  replicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
  cacheParameterGroup: "aws:elasticache/parameterGroup:ParameterGroup",
  domain: "aws:opensearch/domain:Domain",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  flowLog: "aws:ec2/flowLog:FlowLog",
  eksCluster: "aws:eks/cluster:Cluster",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  distribution: "aws:cloudfront/distribution:Distribution",
  bucketV2: "aws:s3/bucketV2:BucketV2",
  bucket: "aws:s3/bucket:Bucket",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  encryptionV2: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  versioningV2: "aws:s3/bucketVersioningV2:BucketVersioningV2",
  deployment: "kubernetes:apps/v1:Deployment",
  job: "kubernetes:batch/v1:Job",
  hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  scaledObject: "kubernetes:keda.sh/v1alpha1:ScaledObject",
} as const;

export const tags = { project: "storyforge", stack: "v2", tier: "v2", owner: "platform" };

export const rdsPrimary = {
  identifier: "storyforge-v2-db",
  engine: "postgres",
  instanceClass: "db.m7g.4xlarge",
  storageEncrypted: true,
  publiclyAccessible: false,
  multiAz: true,
  backupRetentionPeriod: 30,
  deletionProtection: true,
  skipFinalSnapshot: false,
  finalSnapshotIdentifier: "storyforge-v2-db-final",
  performanceInsightsEnabled: true,
  monitoringInterval: 60,
  availabilityZone: "us-east-1a",
  tags,
};

export const rdsReplica = {
  identifier: "storyforge-v2-db-replica-1",
  replicateSourceDb: "storyforge-v2-db",
  instanceClass: "db.m7g.2xlarge",
  storageEncrypted: true,
  publiclyAccessible: false,
  performanceInsightsEnabled: true,
  monitoringInterval: 60,
  availabilityZone: "us-east-1b",
  skipFinalSnapshot: true,
  tags,
};

export const replicationGroup = {
  replicationGroupId: "storyforge-v2-redis",
  description: "cache and job queue",
  atRestEncryptionEnabled: true,
  transitEncryptionEnabled: true,
  authToken: "[secret]",
  automaticFailoverEnabled: true,
  multiAzEnabled: true,
  numNodeGroups: 3,
  replicasPerNodeGroup: 1,
  snapshotRetentionLimit: 7,
  parameterGroupName: "storyforge-v2-redis7",
  tags,
};

export const cacheParameterGroup = {
  name: "storyforge-v2-redis7",
  family: "redis7",
  parameters: [
    { name: "maxmemory-policy", value: "noeviction" },
    { name: "cluster-enabled", value: "yes" },
  ],
  tags,
};

export const searchDomain = {
  domainName: "storyforge-v2",
  engineVersion: "OpenSearch_2.11",
  clusterConfig: {
    instanceType: "m7g.2xlarge.search",
    instanceCount: 5,
    dedicatedMasterEnabled: true,
    dedicatedMasterCount: 3,
    dedicatedMasterType: "m7g.large.search",
    zoneAwarenessEnabled: true,
    zoneAwarenessConfig: { availabilityZoneCount: 3 },
  },
  encryptAtRest: { enabled: true },
  nodeToNodeEncryption: { enabled: true },
  domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: "Policy-Min-TLS-1-2-2019-07" },
  vpcOptions: { subnetIds: ["subnet-a", "subnet-b", "subnet-c"], securityGroupIds: ["sg-search"] },
  advancedSecurityOptions: { enabled: true, internalUserDatabaseEnabled: false, anonymousAuthEnabled: false },
  logPublishingOptions: [
    { logType: "ES_APPLICATION_LOGS", cloudwatchLogGroupArn: "arn:aws:logs:us-east-1:1:log-group:app" },
    { logType: "SEARCH_SLOW_LOGS", cloudwatchLogGroupArn: "arn:aws:logs:us-east-1:1:log-group:slow" },
  ],
  tags,
};

export const sshFromOffice = {
  securityGroupId: "bastion-sg-id",
  ipProtocol: "tcp",
  fromPort: 22,
  toPort: 22,
  cidrIpv4: "10.0.0.0/16",
  tags,
};

export const eksCluster = {
  name: "storyforge-v2",
  roleArn: "arn:aws:iam::123456789012:role/eks",
  vpcConfig: { subnetIds: ["private-0-id", "private-1-id"], endpointPrivateAccess: true, endpointPublicAccess: false },
  encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:aws:kms:us-east-1:123456789012:key/eks" } },
  enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
  tags,
};

export const nodeGroup = {
  clusterName: "storyforge-v2",
  nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
  subnetIds: ["private-0-id", "private-1-id", "private-2-id"],
  scalingConfig: { minSize: 3, desiredSize: 3, maxSize: 10 },
  launchTemplate: { id: "nodes-lt-id", version: "$Latest" },
  tags,
};

export const launchTemplate = {
  namePrefix: "storyforge-v2-nodes",
  metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
  tags,
};

const probe = (path: string) => ({ httpGet: { path, port: 8080 }, periodSeconds: 10 });

export const apiDeployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api", namespace: "storyforge" },
  spec: {
    selector: { matchLabels: { app: "api" } },
    template: {
      metadata: { labels: { app: "api" } },
      spec: {
        securityContext: { runAsNonRoot: true },
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" },
        ],
        containers: [
          {
            name: "api",
            image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/storyforge-api:1.4.2",
            resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } },
            readinessProbe: probe("/ready"),
            livenessProbe: probe("/live"),
            securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false },
          },
        ],
      },
    },
  },
};

export const migrateJob = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "migrate", namespace: "storyforge" },
  spec: {
    template: {
      spec: {
        restartPolicy: "Never",
        securityContext: { runAsNonRoot: true },
        containers: [
          {
            name: "migrate",
            image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/storyforge-api@sha256:" + "a".repeat(64),
            resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
            securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
          },
        ],
      },
    },
  },
};

export const apiHpa = {
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: "api", namespace: "storyforge" },
  spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" }, minReplicas: 3, maxReplicas: 30 },
};

export const apiPdb = {
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  metadata: { name: "api", namespace: "storyforge" },
  spec: { selector: { matchLabels: { app: "api" } }, maxUnavailable: 1 },
};

export const workerScaledObject = {
  apiVersion: "keda.sh/v1alpha1",
  kind: "ScaledObject",
  metadata: { name: "worker", namespace: "storyforge" },
  spec: {
    scaleTargetRef: { name: "worker" },
    minReplicaCount: 3,
    maxReplicaCount: 20,
    triggers: [{ type: "redis", metadata: { listName: "bull:generation:wait" } }],
  },
};

export const distribution = {
  enabled: true,
  aliases: ["cdn.storyforge.example"],
  origins: [
    {
      originId: "media",
      domainName: "storyforge-v2-media.s3.us-east-1.amazonaws.com",
      originAccessControlId: "media-oac-id",
    },
    {
      originId: "api",
      domainName: "api.storyforge.example",
      customOriginConfig: {
        originProtocolPolicy: "https-only",
        httpPort: 80,
        httpsPort: 443,
        originSslProtocols: ["TLSv1.2"],
      },
    },
  ],
  defaultCacheBehavior: {
    targetOriginId: "media",
    viewerProtocolPolicy: "redirect-to-https",
    allowedMethods: ["GET", "HEAD"],
    cachedMethods: ["GET", "HEAD"],
  },
  orderedCacheBehaviors: [
    {
      pathPattern: "/api/*",
      targetOriginId: "api",
      viewerProtocolPolicy: "https-only",
      allowedMethods: ["GET", "HEAD"],
      cachedMethods: ["GET", "HEAD"],
    },
  ],
  viewerCertificate: {
    acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/cdn",
    sslSupportMethod: "sni-only",
    minimumProtocolVersion: "TLSv1.2_2021",
  },
  loggingConfig: { bucket: "storyforge-v2-logs.s3.amazonaws.com", prefix: "cdn/" },
  webAclId: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn/1",
  restrictions: { geoRestriction: { restrictionType: "none" } },
  tags,
};

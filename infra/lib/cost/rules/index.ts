/**
 * Which rule prices a type, and which types are free. Order of decision: a pricing rule; else the free list;
 * else an explicit unpriced line ("no pricing rule"), so a new billable resource can never slip in as $0.
 */
import { COMPUTE_RULES } from "./compute";
import { DATA_RULES } from "./data";
import { NETWORK_RULES } from "./network";
import { AMP_WORKSPACE, MONITORING_RULES } from "./monitoring";
import type { Rule } from "./common";
import { DISTRIBUTION, NAT_GATEWAY, REPOSITORY, isAlb, isStorageCarrier, isType } from "./network";
import { LOG_SOURCES, type LogSource, logCarrier } from "./logs";
import { RDS_INSTANCE } from "./data";
import type { UsageAssumptions } from "../../../../stacks/tiers";
import type { CostResource } from "../types";

export const RULES: Readonly<Record<string, Rule>> = {
  ...COMPUTE_RULES,
  ...DATA_RULES,
  ...NETWORK_RULES,
  ...MONITORING_RULES,
};

/**
 * Types that cost nothing by themselves. Exact tokens, or prefixes ending in "/" or ":". Kubernetes objects are
 * free (they run on the node groups) except those with a rule above: ALB Ingresses, LoadBalancer Services, volumes.
 */
export const FREE_TYPES: readonly string[] = [
  // Pulumi machinery, our own components (their children carry the cost), generated values, image builds.
  "pulumi:",
  "storyforge:",
  "random:",
  "docker-build:index:Image",
  "kubernetes:",
  // IAM is free.
  "aws:iam/",
  // VPC plumbing: only NAT gateways, public addresses and interface endpoints cost money.
  "aws:ec2/vpc:Vpc",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:ec2/route:Route",
  "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/securityGroupRule:SecurityGroupRule",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  "aws:ec2/defaultRouteTable:DefaultRouteTable",
  "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl",
  "aws:ec2/networkAcl:NetworkAcl",
  "aws:ec2/networkAclRule:NetworkAclRule",
  "aws:ec2/vpcDhcpOptions:VpcDhcpOptions",
  "aws:ec2/vpcDhcpOptionsAssociation:VpcDhcpOptionsAssociation",
  "aws:ec2/tag:Tag",
  // Priced through the node group that uses it.
  "aws:ec2/launchTemplate:LaunchTemplate",
  // EKS add-ons and access wiring (the cluster and node groups carry the cost).
  "aws:eks/addon:Addon",
  "aws:eks/accessEntry:AccessEntry",
  "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
  "aws:eks/podIdentityAssociation:PodIdentityAssociation",
  "aws:eks/identityProviderConfig:IdentityProviderConfig",
  // Data-service configuration objects.
  "aws:rds/subnetGroup:SubnetGroup",
  "aws:rds/parameterGroup:ParameterGroup",
  "aws:rds/optionGroup:OptionGroup",
  "aws:elasticache/subnetGroup:SubnetGroup",
  "aws:elasticache/parameterGroup:ParameterGroup",
  "aws:elasticache/user:User",
  "aws:elasticache/userGroup:UserGroup",
  "aws:opensearch/domainPolicy:DomainPolicy",
  "aws:kms/alias:Alias",
  "aws:secretsmanager/secretVersion:SecretVersion",
  "aws:secretsmanager/secretPolicy:SecretPolicy",
  // Bucket settings (the bucket rule prices storage); ECR policies.
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  "aws:s3/bucketAcl:BucketAcl",
  "aws:s3/bucketAclV2:BucketAclV2",
  "aws:s3/bucketVersioningV2:BucketVersioningV2",
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2",
  "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration",
  "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  "aws:ecr/repositoryPolicy:RepositoryPolicy",
  // CloudFront configuration (the distribution carries transfer and requests).
  "aws:cloudfront/originAccessControl:OriginAccessControl",
  "aws:cloudfront/originAccessIdentity:OriginAccessIdentity",
  "aws:cloudfront/cachePolicy:CachePolicy",
  "aws:cloudfront/originRequestPolicy:OriginRequestPolicy",
  "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
  // A VPC origin has no charge of its own; the ALB behind it and the distribution's transfer are priced.
  "aws:cloudfront/vpcOrigin:VpcOrigin",
  // Load balancer wiring, public certificates, DNS records (queries not modelled).
  "aws:lb/listener:Listener",
  "aws:lb/listenerRule:ListenerRule",
  "aws:lb/targetGroup:TargetGroup",
  "aws:lb/targetGroupAttachment:TargetGroupAttachment",
  "aws:lb/listenerCertificate:ListenerCertificate",
  "aws:acm/certificate:Certificate",
  "aws:acm/certificateValidation:CertificateValidation",
  "aws:route53/record:Record",
  // Deploy-time functions (search-security): one invocation per change, far inside Lambda's monthly free tier.
  "aws:lambda/function:Function",
  "aws:lambda/invocation:Invocation",
  // CloudWatch plumbing (ingest and storage are priced on the log pool).
  "aws:cloudwatch/logStream:LogStream",
  "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
  "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter",
  // Monitoring wiring: rule evaluation is billed as the workspace's query samples, deliveries on the topic.
  "aws:amp/ruleGroupNamespace:RuleGroupNamespace",
  "aws:amp/alertManagerDefinition:AlertManagerDefinition",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:sns/topicSubscription:TopicSubscription",
];

export function isFreeType(type: string): boolean {
  return FREE_TYPES.some((free) => (free.endsWith("/") || free.endsWith(":") ? type.startsWith(free) : type === free));
}

/** Which declared resources carry each usage assumption; with none declared, the usage is not priced (and said so). */
export function usagePools(
  resources: readonly CostResource[],
): Array<{ key: keyof UsageAssumptions; carriers: string; isCarrier: (r: CostResource) => boolean }> {
  return [
    { key: "cdnEgressGb", carriers: "CloudFront distribution", isCarrier: isType(DISTRIBUTION) },
    { key: "cdnRequestsMillions", carriers: "CloudFront distribution", isCarrier: isType(DISTRIBUTION) },
    { key: "natProcessedGb", carriers: "NAT gateway", isCarrier: isType(NAT_GATEWAY) },
    { key: "albProcessedGb", carriers: "application load balancer (or ALB Ingress)", isCarrier: isAlb },
    ...(Object.keys(LOG_SOURCES) as LogSource[]).map((source) => {
      const carrier = logCarrier(source, resources);
      return {
        key: LOG_SOURCES[source].key,
        carriers:
          source === "other"
            ? "log group besides those of flow logs, the cluster, the database and the search domain"
            : `log group of ${LOG_SOURCES[source].what}${source === "flowLogs" ? " (or a flow log to S3)" : ""}`,
        isCarrier: (r: CostResource) => carrier !== undefined && r === carrier,
      };
    }),
    { key: "s3StoredGb", carriers: "S3 bucket", isCarrier: isStorageCarrier(resources) },
    { key: "ecrStoredGb", carriers: "ECR repository", isCarrier: isType(REPOSITORY) },
    { key: "metricsSamplesMillions", carriers: "Prometheus workspace", isCarrier: isType(AMP_WORKSPACE) },
    { key: "metricsStoredGb", carriers: "Prometheus workspace", isCarrier: isType(AMP_WORKSPACE) },
    { key: "metricsQuerySamplesBillions", carriers: "Prometheus workspace", isCarrier: isType(AMP_WORKSPACE) },
    {
      key: "dbBackupGb",
      carriers: "RDS primary instance",
      isCarrier: (r) => r.type === RDS_INSTANCE && r.inputs.replicateSourceDb === undefined,
    },
  ];
}

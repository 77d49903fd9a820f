import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type StackContext } from "../lib/context";
import { NAME_LIMITS } from "../lib/naming";
import { type Network } from "./network";

/** CloudFront's origin-facing addresses, an AWS-managed prefix list (one per region, same name everywhere). */
export const CLOUDFRONT_ORIGIN_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing";
/** The header CloudFront adds and the listener requires (infra/lib/cdn-behaviours.ts ORIGIN_VERIFY_HEADER). */
export const ORIGIN_VERIFY_HEADER = "X-Origin-Verify";
/** Paths for the cluster only (autoscaler, scrapers), never served through the CDN. */
export const INTERNAL_PATHS = ["/internal/*", "/metrics"];

/**
 * ELB's log-delivery accounts for regions older than Aug 2022 (ELB user guide, "Enable access logs"); newer regions
 * use the `logdelivery.elasticloadbalancing.amazonaws.com` service principal.
 */
const ELB_LOG_ACCOUNTS: Record<string, string> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "eu-west-1": "156460612806",
  "eu-central-1": "054676820928",
};

export interface LoadBalancerArgs {
  context: StackContext;
  /** Public subnets for the ALB; the workload security group the API pods are in. */
  network: Network;
  /** The API Service to bind the target group to (Workloads satisfies it). */
  api: { namespace: pulumi.Input<string>; apiServiceName: pulumi.Input<string>; apiPort: number };
  /** The cluster's provider, for the TargetGroupBinding. */
  cluster: { provider: k8s.Provider };
  /**
   * A regional ACM certificate for the ALB and the name CloudFront reaches it by. Without one, CloudFront talks to
   * the ALB over HTTP (the ALB admits only CloudFront's addresses and the secret header).
   * @default none
   */
  certificate?: { arn: pulumi.Input<string>; originDomainName: pulumi.Input<string> };
  /**
   * Days ALB access logs are kept in S3.
   * @default 30
   */
  accessLogDays?: number;
  /** Resources the binding waits for (the AWS Load Balancer Controller that reconciles it). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The API's Application Load Balancer, owned by Pulumi so plans, policies and cost estimates see it: public subnets,
 * a security group admitting only CloudFront's origin-facing prefix list, a listener that answers 403 unless the
 * request carries the secret `X-Origin-Verify` header (404 for cluster-internal paths), an `ip` target group on the
 * API pods' port 3000 health-checked on `/health/ready`, and a TargetGroupBinding through which the AWS Load
 * Balancer Controller registers the API Service's pods. Access logs go to an S3 bucket.
 *
 * Monthly cost (us-east-1): $16.43 per ALB + $5.84 per LCU; ≈ $25 mvp, $60 v1, $300 v2 at the tier's traffic.
 */
export class LoadBalancer extends pulumi.ComponentResource {
  /** Where CloudFront reaches the ALB. */
  readonly originDomainName: pulumi.Output<string>;
  /** Value of X-Origin-Verify; a Pulumi secret. */
  readonly originSecret: pulumi.Output<string>;
  /** CloudFront origin protocol policy: `http-only` or `https-only`. */
  readonly originProtocol: pulumi.Output<string>;
  readonly loadBalancerArn: pulumi.Output<string>;
  readonly targetGroupArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:compute:LoadBalancer", name, {}, opts);
    const { context, network, api } = args;
    const accessLogDays = args.accessLogDays ?? 30;
    if (!Number.isInteger(accessLogDays) || accessLogDays < 1)
      throw new Error(`accessLogDays must be a positive integer, got ${accessLogDays}`);
    const parent = { parent: this };
    const https = args.certificate !== undefined;
    const listenerPort = https ? 443 : 80;

    const secret = new random.RandomPassword(
      `${name}-origin-secret`,
      {
        // ALB header conditions match up to 128 characters; * and ? are wildcards there, so letters and digits only.
        length: 48,
        special: false,
      },
      parent,
    );
    const originSecret = pulumi.secret(secret.result);

    // Security group: in from CloudFront only, out to the API pods only.
    const cloudfront = aws.ec2.getManagedPrefixListOutput({ name: CLOUDFRONT_ORIGIN_PREFIX_LIST }, parent);
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: network.vpcId,
        name: context.name("alb"),
        // Fixed text: a certificate (80 → 443) must not replace the group (description is ForceNew, name is fixed).
        description: "StoryForge API load balancer: admits CloudFront only",
        tags: context.tags({ Name: context.name("alb") }),
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-from-cloudfront`,
      {
        securityGroupId: sg.id,
        prefixListId: cloudfront.id,
        ipProtocol: "tcp",
        fromPort: listenerPort,
        toPort: listenerPort,
        description: "CloudFront origin-facing addresses",
        tags: context.tags(),
      },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-to-api`,
      {
        securityGroupId: sg.id,
        referencedSecurityGroupId: network.workloadSecurityGroup.id,
        ipProtocol: "tcp",
        fromPort: api.apiPort,
        toPort: api.apiPort,
        description: "API pods",
        tags: context.tags(),
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-api-from-alb`,
      {
        securityGroupId: network.workloadSecurityGroup.id,
        referencedSecurityGroupId: sg.id,
        ipProtocol: "tcp",
        fromPort: api.apiPort,
        toPort: api.apiPort,
        description: "API pods from the load balancer",
        tags: context.tags(),
      },
      parent,
    );

    // Access logs: SSE-S3 (ALB log delivery does not support KMS keys), expired after accessLogDays.
    const logs = new aws.s3.Bucket(
      `${name}-logs`,
      {
        bucket: context.name("alb-logs", NAME_LIMITS.s3),
        forceDestroy: true,
        tags: context.tags(),
      },
      parent,
    );
    new aws.s3.BucketPublicAccessBlock(
      `${name}-logs-block`,
      {
        bucket: logs.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-logs-sse`,
      {
        bucket: logs.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      },
      parent,
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-logs-versioning`,
      {
        bucket: logs.id,
        versioningConfiguration: { status: "Enabled" },
      },
      parent,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-logs-expiry`,
      {
        bucket: logs.id,
        rules: [
          {
            id: "expire",
            status: "Enabled",
            filter: {},
            expiration: { days: accessLogDays },
            noncurrentVersionExpiration: { noncurrentDays: 7 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      { ...parent, dependsOn: [versioning] },
    );
    const logAccount = ELB_LOG_ACCOUNTS[context.config.region];
    const logPolicy = new aws.s3.BucketPolicy(
      `${name}-logs-policy`,
      {
        bucket: logs.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "ElbLogDelivery",
              Effect: "Allow",
              Principal:
                logAccount !== undefined
                  ? { AWS: `arn:aws:iam::${logAccount}:root` }
                  : { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
              Action: "s3:PutObject",
              Resource: pulumi.interpolate`${logs.arn}/alb/*`,
            },
            {
              Sid: "TlsOnly",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [logs.arn, pulumi.interpolate`${logs.arn}/*`],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        }),
      },
      parent,
    );

    const alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        name: context.name("api", NAME_LIMITS.loadBalancer),
        loadBalancerType: "application",
        internal: false,
        subnets: network.publicSubnetIds,
        securityGroups: [sg.id],
        dropInvalidHeaderFields: true,
        idleTimeout: 60,
        enableDeletionProtection: context.config.tier.database.deletionProtection,
        accessLogs: { bucket: logs.bucket, prefix: "alb", enabled: true },
        tags: context.tags(),
      },
      { ...parent, dependsOn: [logPolicy] },
    );

    const targetGroup = new aws.lb.TargetGroup(
      `${name}-api`,
      {
        name: context.name("api-tg", NAME_LIMITS.loadBalancer),
        targetType: "ip",
        port: api.apiPort,
        protocol: "HTTP",
        vpcId: network.vpcId,
        // The API fails readiness for 10 s before it stops; 30 s lets the ALB finish in-flight requests.
        deregistrationDelay: 30,
        healthCheck: {
          path: "/health/ready",
          port: "traffic-port",
          protocol: "HTTP",
          matcher: "200",
          interval: 10,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 2,
        },
        tags: context.tags(),
      },
      parent,
    );

    const listener = new aws.lb.Listener(
      `${name}-listener`,
      {
        loadBalancerArn: alb.arn,
        port: listenerPort,
        protocol: https ? "HTTPS" : "HTTP",
        ...(https ? { certificateArn: args.certificate!.arn, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" } : {}),
        defaultActions: [
          {
            type: "fixed-response",
            fixedResponse: { contentType: "text/plain", statusCode: "403", messageBody: "Forbidden" },
          },
        ],
        tags: context.tags(),
      },
      parent,
    );
    const fromCdn = { httpHeader: { httpHeaderName: ORIGIN_VERIFY_HEADER, values: [originSecret] } };
    new aws.lb.ListenerRule(
      `${name}-internal-paths`,
      {
        listenerArn: listener.arn,
        priority: 10,
        conditions: [fromCdn, { pathPattern: { values: INTERNAL_PATHS } }],
        actions: [
          {
            type: "fixed-response",
            fixedResponse: { contentType: "application/json", statusCode: "404", messageBody: '{"error":"not_found"}' },
          },
        ],
        tags: context.tags(),
      },
      parent,
    );
    new aws.lb.ListenerRule(
      `${name}-from-cdn`,
      {
        listenerArn: listener.arn,
        priority: 20,
        conditions: [fromCdn],
        actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        tags: context.tags(),
      },
      parent,
    );

    // The AWS Load Balancer Controller registers the API Service's pod IPs in the target group.
    new k8s.apiextensions.CustomResource(
      `${name}-binding`,
      {
        apiVersion: "elbv2.k8s.aws/v1beta1",
        kind: "TargetGroupBinding",
        metadata: { name: "api", namespace: api.namespace },
        spec: {
          serviceRef: { name: api.apiServiceName, port: api.apiPort },
          targetGroupARN: targetGroup.arn,
          targetType: "ip",
        },
      },
      { parent: this, provider: args.cluster.provider, dependsOn: args.dependsOn ?? [] },
    );

    this.originDomainName = https ? pulumi.output(args.certificate!.originDomainName) : alb.dnsName;
    this.originSecret = originSecret;
    this.originProtocol = pulumi.output(https ? "https-only" : "http-only");
    this.loadBalancerArn = alb.arn;
    this.targetGroupArn = targetGroup.arn;
    this.securityGroupId = sg.id;
    this.registerOutputs({
      originDomainName: this.originDomainName,
      originProtocol: this.originProtocol,
      targetGroupArn: this.targetGroupArn,
    });
  }
}

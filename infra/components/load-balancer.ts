import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type StackContext } from "../lib/context";
import { protectLoadBalancerPolicy, targetRegistrationPolicy } from "../lib/load-balancer-controller-policy";
import { NAME_LIMITS } from "../lib/naming";
import { logBucketSettings } from "./log-bucket";
import { type Network } from "./network";

/**
 * The security group CloudFront creates in a VPC with its first VPC origin; its service-managed ENIs carry it, so
 * the origin's group admits exactly this one (CloudFront Developer Guide, "Restrict access with VPC origins").
 */
export const CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP = "CloudFront-VPCOrigins-Service-SG";
/** Paths for the cluster only (autoscaler, scrapers), never served through the CDN. */
export const INTERNAL_PATHS = ["/internal/*", "/metrics"];
/** TLS versions CloudFront may use towards the origin: TLS 1.2 only (SSLv3, TLSv1 and 1.1 are refused). */
export const ORIGIN_SSL_PROTOCOLS = ["TLSv1.2"];
/** The ALB's TLS policy when the origin has a certificate: TLS 1.3 and 1.2 only. */
export const ORIGIN_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

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

/** The target group the API's TargetGroupBinding registers pods in, and what the binding must wait for. */
export interface ApiTargetGroup {
  readonly arn: pulumi.Output<string>;
  /** Physical name; the binding is named after it, so a new target group gets a new binding before the old goes. */
  readonly name: pulumi.Output<string>;
  readonly vpcId: pulumi.Output<string>;
  readonly port: number;
  /** The controller's permission to register targets here (and, on preview hosts, its denial on this ALB). */
  readonly permissions: pulumi.Resource[];
}

export interface LoadBalancerArgs {
  context: StackContext;
  /** Private subnets for the internal ALB; the workload security group the API pods are in. */
  network: Network;
  /** Port the API pods listen on (the target group's port). */
  apiPort: number;
  /** The AWS Load Balancer Controller's IRSA role (Addons), which gets registration in this target group only. */
  controller: { roleName: pulumi.Input<string>; hostsPreviews: boolean };
  /**
   * A regional ACM certificate (the stack's region) for the ALB, and the name on it CloudFront asks for (SNI and
   * certificate check). Without one, CloudFront reaches the internal ALB over HTTP through the VPC origin, inside
   * AWS's network and the VPC. Changing it replaces nothing but the listener and the VPC origin's protocol.
   * @default none
   */
  certificate?: { arn: pulumi.Input<string>; originDomainName: pulumi.Input<string> };
  /**
   * Days ALB access logs are kept in S3.
   * @default 30
   */
  accessLogDays?: number;
}

/**
 * The API's Application Load Balancer, owned by Pulumi so plans, policies and cost estimates see it: internal, in
 * the private subnets, reached only through a CloudFront VPC origin (no public address, no shared-secret header).
 * Its security group admits only CloudFront's VPC-origin service group, on the listener's port; the listener
 * forwards to an `ip` target group on the API pods' port health-checked on `/health/ready`, and answers 404 for
 * cluster-internal paths. The AWS Load Balancer Controller registers the API pods through a TargetGroupBinding
 * (`apiTargetGroupBinding`, created by the workloads before the API rolls out). Access logs go to an S3 bucket.
 *
 * Why HTTP by default: with no custom domain there is no certificate the ALB could present. VPC-origin traffic
 * enters the VPC through CloudFront-managed ENIs over AWS's network, never the internet; the `certificate` arg
 * (stack config `originCertificateArn` + `originDomainName`) turns it into HTTPS end to end.
 *
 * Monthly cost (us-east-1): $16.43 per ALB + $5.84 per LCU; ≈ $25 mvp, $60 v1, $300 v2 at the tier's traffic.
 * VPC origins and an internal ALB need no public IPv4 addresses.
 */
export class LoadBalancer extends pulumi.ComponentResource {
  /** The name CloudFront uses for the origin: the ALB's DNS name, or the certificate's name. */
  readonly originDomainName: pulumi.Output<string>;
  /** CloudFront origin protocol policy: `http-only`, or `https-only` with a certificate. */
  readonly originProtocol: pulumi.Output<string>;
  /** The CloudFront VPC origin a distribution's API origin names (`vpcOriginConfig.vpcOriginId`). */
  readonly vpcOriginId: pulumi.Output<string>;
  readonly loadBalancerArn: pulumi.Output<string>;
  readonly targetGroupArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  readonly apiTargetGroup: ApiTargetGroup;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:compute:LoadBalancer", name, {}, opts);
    const { context, network, apiPort } = args;
    const accessLogDays = args.accessLogDays ?? 30;
    if (!Number.isInteger(accessLogDays) || accessLogDays < 1)
      throw new Error(`accessLogDays must be a positive integer, got ${accessLogDays}`);
    const parent = { parent: this };
    const https = args.certificate !== undefined;
    const listenerPort = https ? 443 : 80;

    // Security group: in from CloudFront's VPC-origin ENIs only (rule below, once CloudFront made its group), out to
    // the API pods only. Named and described once: both are ForceNew, and a replacement under the same name fails.
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: network.vpcId,
        name: context.name("api-origin"),
        description: "StoryForge API load balancer: CloudFront VPC origins only",
        tags: context.tags({ Name: context.name("api-origin") }),
      },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-to-api`,
      {
        securityGroupId: sg.id,
        referencedSecurityGroupId: network.workloadSecurityGroup.id,
        ipProtocol: "tcp",
        fromPort: apiPort,
        toPort: apiPort,
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
        fromPort: apiPort,
        toPort: apiPort,
        description: "API pods from the load balancer",
        tags: context.tags(),
      },
      parent,
    );

    const logs = this.accessLogs(name, context, accessLogDays);

    // Internal, in the private subnets: CloudFront's VPC origin reaches it, the internet cannot. `internal` and the
    // name are ForceNew: the name differs from the former internet-facing ALB's, so the replacement can coexist.
    const alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        name: context.name("api-origin", NAME_LIMITS.loadBalancer),
        loadBalancerType: "application",
        internal: true,
        subnets: network.privateSubnetIds,
        securityGroups: [sg.id],
        dropInvalidHeaderFields: true,
        idleTimeout: 60,
        enableDeletionProtection: context.config.tier.database.deletionProtection,
        accessLogs: { bucket: logs.bucket, prefix: "alb", enabled: true },
        tags: context.tags(),
      },
      { ...parent, dependsOn: [logs.policy] },
    );

    const targetGroup = new aws.lb.TargetGroup(
      `${name}-api`,
      {
        name: context.name("api-origin-tg", NAME_LIMITS.loadBalancer),
        targetType: "ip",
        ipAddressType: "ipv4",
        port: apiPort,
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
        ...(https ? { certificateArn: args.certificate!.arn, sslPolicy: ORIGIN_TLS_POLICY } : {}),
        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        tags: context.tags(),
      },
      parent,
    );
    new aws.lb.ListenerRule(
      `${name}-internal-paths`,
      {
        listenerArn: listener.arn,
        priority: 10,
        conditions: [{ pathPattern: { values: INTERNAL_PATHS } }],
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

    // CloudFront's VPC origin: CloudFront puts ENIs in the ALB's subnets and, with the first VPC origin of the VPC,
    // creates CloudFront-VPCOrigins-Service-SG for them. The VPC needs an internet gateway attached (the network has
    // one); it is not on the path.
    const originProtocol = https ? "https-only" : "http-only";
    const vpcOrigin = new aws.cloudfront.VpcOrigin(
      `${name}-vpc-origin`,
      {
        vpcOriginEndpointConfig: {
          name: context.name("api-origin", 64),
          arn: alb.arn,
          httpPort: 80,
          httpsPort: 443,
          originProtocolPolicy: originProtocol,
          originSslProtocols: { items: ORIGIN_SSL_PROTOCOLS, quantity: ORIGIN_SSL_PROTOCOLS.length },
        },
        tags: context.tags(),
      },
      parent,
    );
    // The group exists once the VPC origin is deployed (its create waits for that), so look it up after it.
    const cloudfrontGroup = aws.ec2.getSecurityGroupOutput(
      {
        filters: [
          { name: "group-name", values: [CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP] },
          { name: "vpc-id", values: [network.vpcId] },
        ],
      },
      { parent: this, dependsOn: [vpcOrigin] },
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-from-cloudfront`,
      {
        securityGroupId: sg.id,
        referencedSecurityGroupId: cloudfrontGroup.id,
        ipProtocol: "tcp",
        fromPort: listenerPort,
        toPort: listenerPort,
        description: `CloudFront VPC origin ENIs, ${https ? "HTTPS" : "HTTP"}`,
        tags: context.tags(),
      },
      parent,
    );

    // The controller may register targets in this target group only; on a preview host, where it also writes
    // listeners and rules on `*`, it is denied this ALB outright.
    const controllerPolicies: pulumi.Resource[] = [
      new aws.iam.RolePolicy(
        `${name}-controller-registers`,
        {
          role: args.controller.roleName,
          name: "register-api-targets",
          policy: targetGroup.arn.apply((arn) => JSON.stringify(targetRegistrationPolicy(arn))),
        },
        parent,
      ),
    ];
    if (args.controller.hostsPreviews) {
      controllerPolicies.push(
        new aws.iam.RolePolicy(
          `${name}-controller-keeps-off`,
          {
            role: args.controller.roleName,
            name: "never-change-the-api-load-balancer",
            policy: pulumi
              .all([alb.arn, targetGroup.arn])
              .apply(([lb, tg]) => JSON.stringify(protectLoadBalancerPolicy(lb, tg))),
          },
          parent,
        ),
      );
    }

    this.originDomainName = https ? pulumi.output(args.certificate!.originDomainName) : alb.dnsName;
    this.originProtocol = pulumi.output(originProtocol);
    this.vpcOriginId = vpcOrigin.id;
    this.loadBalancerArn = alb.arn;
    this.targetGroupArn = targetGroup.arn;
    this.securityGroupId = sg.id;
    this.apiTargetGroup = {
      arn: targetGroup.arn,
      name: targetGroup.name,
      vpcId: pulumi.output(network.vpcId),
      port: apiPort,
      permissions: controllerPolicies,
    };
    this.registerOutputs({
      originDomainName: this.originDomainName,
      originProtocol: this.originProtocol,
      vpcOriginId: this.vpcOriginId,
      targetGroupArn: this.targetGroupArn,
    });
  }

  /** Access logs: SSE-S3 (ALB log delivery does not support KMS keys), expired after `days`. */
  private accessLogs(name: string, context: StackContext, days: number) {
    const parent = { parent: this };
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const logs = new aws.s3.Bucket(
      `${name}-logs`,
      { bucket: context.bucketName("alb-logs", account), forceDestroy: true, tags: context.tags() },
      parent,
    );
    logBucketSettings(`${name}-logs`, logs.id, { days, noncurrentDays: 7 }, this);
    const logAccount = ELB_LOG_ACCOUNTS[context.config.region];
    const policy = new aws.s3.BucketPolicy(
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
              // the ELB guide's resource: the prefix, then AWSLogs/<this account>, so no other account's ALB can write
              Resource: pulumi.interpolate`${logs.arn}/alb/AWSLogs/${account}/*`,
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
    return { bucket: logs.bucket, policy };
  }
}

export interface ApiTargetGroupBindingArgs {
  /** Namespace and Service of the API (the Service's pods are registered). */
  namespace: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
  targetGroup: ApiTargetGroup;
  provider: k8s.Provider;
  /** The Load Balancer Controller release, whose CRD and webhooks the binding needs (required). */
  controller: pulumi.Resource | undefined;
  parent: pulumi.Resource;
}

/**
 * The TargetGroupBinding through which the AWS Load Balancer Controller registers the API Service's pods in the
 * ALB's target group. Every field the controller's mutating webhook would default is set here (`ipAddressType`,
 * `vpcID`, `targetGroupProtocol`, `targetType`): under server-side apply a webhook-defaulted field belongs to
 * Pulumi's field manager, so the next apply without it would unset it, which the validator refuses as a change of
 * an immutable field (webhooks/elbv2/targetgroupbinding_validator.go `checkImmutableFields`, v3.4.0). The target
 * group ARN is immutable too: a new target group replaces the binding, named after the group so both coexist
 * until the old one is deleted. Create it before the API's pods: the controller injects readiness gates only into
 * pods created while a binding refers to their Service.
 */
export function apiTargetGroupBinding(name: string, args: ApiTargetGroupBindingArgs): k8s.apiextensions.CustomResource {
  const { targetGroup, controller } = args;
  if (controller === undefined)
    throw new Error("addons.loadBalancerController is required with apiTargetGroup: the binding needs its CRD");
  return new k8s.apiextensions.CustomResource(
    name,
    {
      apiVersion: "elbv2.k8s.aws/v1beta1",
      kind: "TargetGroupBinding",
      metadata: { name: targetGroup.name, namespace: args.namespace },
      spec: {
        serviceRef: { name: args.serviceName, port: targetGroup.port },
        targetGroupARN: targetGroup.arn,
        targetType: "ip",
        ipAddressType: "ipv4",
        targetGroupProtocol: "HTTP",
        vpcID: targetGroup.vpcId,
      },
    },
    {
      parent: args.parent,
      provider: args.provider,
      dependsOn: [controller, ...targetGroup.permissions],
      replaceOnChanges: ["spec.targetGroupARN"],
    },
  );
}

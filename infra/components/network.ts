import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type StackContext } from "../lib/context";
import { planSubnets, type SubnetPlan } from "../lib/cidr";
import { instanceClassOf } from "../lib/capacity";
import { serviceTrustPolicy } from "../lib/trust";
import { chooseZones } from "../lib/zones";
import { NODE_ROLES } from "../../stacks/tiers";
import { type FlowLogDestination } from "../../stacks/config";
import { logBucketSettings } from "./log-bucket";

export interface NetworkArgs {
  /** The stack's context: tier sizing (`network.azCount`, `natGateways`, `vpcCidr`), names and tags. */
  context: StackContext;
  /**
   * Days flow logs are kept in CloudWatch.
   * @default 30
   */
  flowLogRetentionDays?: number;
  /**
   * Where flow logs go: a CloudWatch log group, or an S3 bucket of the stack (vended logs, cheaper per GB). Changing
   * it replaces the flow log and its destination; the old destination's logs go with it.
   * @default "cloud-watch-logs"
   */
  flowLogDestination?: FlowLogDestination;
}

/**
 * The VPC: per zone a public subnet (load balancers, NAT), a private subnet (EKS nodes and pods) and an isolated
 * data subnet (RDS, ElastiCache, OpenSearch; no route to the internet at all), NAT gateways per the tier, an S3
 * gateway endpoint (image layers and segments without NAT charges), flow logs of all traffic, and the VPC's
 * default security group stripped of every rule (nothing may use it).
 *
 * Zones are chosen by zone id (infra/lib/zones.ts): `storyforge:zoneIds` when pinned, checked against the region's
 * zones and the EC2 offerings of every node class (us-east-1's use1-az3 offers no Graviton class, and every class
 * here is Graviton); otherwise the lowest-numbered zone ids that offer them. Each zone's subnets sit in fixed
 * CIDR slots (infra/lib/cidr.ts), so changing `azCount` adds or removes only that zone's subnets.
 *
 * Monthly cost (us-east-1): NAT $32.85 each plus $0.045/GB (mvp 1, v1 and v2 3), public IPv4 $3.65 per EIP,
 * flow-log ingestion $0.50/GB to CloudWatch or $0.25/GB delivered to S3 (vended logs, first 10 TB). The VPC, subnets, routes and the S3 endpoint are free.
 */
export class Network extends pulumi.ComponentResource {
  /** The VPC's id. */
  readonly vpcId: pulumi.Output<string>;
  /** The VPC's IPv4 block. */
  readonly vpcCidr: string;
  /** Zone ids used, in subnet-slot order. */
  readonly zoneIds: pulumi.Output<string>[];
  /** The same zones' names in this account, for APIs that take names (RDS `availabilityZone`). */
  readonly zones: pulumi.Output<string>[];
  /** One per zone: load balancers and NAT gateways. */
  readonly publicSubnetIds: pulumi.Output<string>[];
  /** One per zone: EKS nodes and pods (egress through NAT). */
  readonly privateSubnetIds: pulumi.Output<string>[];
  /** One per zone: data services only, no internet route. */
  readonly dataSubnetIds: pulumi.Output<string>[];
  /** Group of the workloads that may reach the data tier; the compute tier puts nodes and pods in it. */
  readonly workloadSecurityGroup: aws.ec2.SecurityGroup;
  /** The subnet layout, for review. */
  readonly subnetPlan: SubnetPlan[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:network:Network", name, {}, opts);
    const { context } = args;
    const { azCount, natGateways, vpcCidr } = context.config.tier.network;
    const flowLogRetentionDays = args.flowLogRetentionDays ?? 30;
    const flowLogDestination = args.flowLogDestination ?? "cloud-watch-logs";
    if (natGateways < 1 || natGateways > azCount) {
      throw new Error(`natGateways must be between 1 and azCount (${azCount}), got ${natGateways}`);
    }
    if (!Number.isInteger(flowLogRetentionDays) || flowLogRetentionDays < 1) {
      throw new Error(`flowLogRetentionDays must be a positive whole number, got ${flowLogRetentionDays}`);
    }
    const parent = { parent: this };
    const clusterTag = `kubernetes.io/cluster/${context.name("cluster")}`;

    this.vpcCidr = vpcCidr;
    this.subnetPlan = planSubnets(vpcCidr, azCount);
    const choice = this.chooseZones(context, parent);
    this.zoneIds = Array.from({ length: azCount }, (_, i) => choice.zoneIds[i]);
    this.zones = Array.from({ length: azCount }, (_, i) => choice.names[i]);

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: vpcCidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: context.tags({ Name: context.name("vpc") }),
      },
      parent,
    );
    this.vpcId = vpc.id;

    // With no rules declared the provider revokes AWS's defaults (self-referencing ingress, all egress), so a
    // resource that lands in the default group by omission reaches nothing and nothing reaches it.
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: vpc.id, tags: context.tags({ Name: context.name("default-locked") }) },
      parent,
    );

    const igw = new aws.ec2.InternetGateway(
      `${name}-igw`,
      {
        vpcId: vpc.id,
        tags: context.tags({ Name: context.name("igw") }),
      },
      parent,
    );

    const subnets = this.subnetPlan.map((plan) => {
      // The AWS Load Balancer Controller finds subnets by these role tags.
      const roleTags: Record<string, string> =
        plan.role === "public"
          ? { "kubernetes.io/role/elb": "1", [clusterTag]: "shared" }
          : plan.role === "private"
            ? { "kubernetes.io/role/internal-elb": "1", [clusterTag]: "shared" }
            : {};
      const subnet = new aws.ec2.Subnet(
        `${name}-${plan.role}-${plan.zoneIndex}`,
        {
          vpcId: vpc.id,
          cidrBlock: plan.cidr,
          // By id, not name: names map to different physical zones in every account (both are ForceNew).
          availabilityZoneId: this.zoneIds[plan.zoneIndex],
          mapPublicIpOnLaunch: false,
          tags: context.tags({
            Name: context.name(`${plan.role}-${plan.zoneIndex}`),
            tier: context.config.tier.name,
            "subnet-role": plan.role,
            ...roleTags,
          }),
        },
        parent,
      );
      return { plan, subnet };
    });
    const byRole = (role: SubnetPlan["role"]) => subnets.filter((s) => s.plan.role === role).map((s) => s.subnet);
    const publicSubnets = byRole("public");
    const privateSubnets = byRole("private");
    const dataSubnets = byRole("data");
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.dataSubnetIds = dataSubnets.map((s) => s.id);

    // Public: default route to the internet gateway.
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public-rt`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
        tags: context.tags({ Name: context.name("public") }),
      },
      parent,
    );
    publicSubnets.forEach(
      (s, i) =>
        new aws.ec2.RouteTableAssociation(
          `${name}-public-rta-${i}`,
          { subnetId: s.id, routeTableId: publicRoutes.id },
          parent,
        ),
    );

    // NAT gateways in the first `natGateways` zones; each private zone routes through its own, or the first.
    const nats = Array.from({ length: natGateways }, (_, i) => {
      const eip = new aws.ec2.Eip(
        `${name}-nat-eip-${i}`,
        { domain: "vpc", tags: context.tags({ Name: context.name(`nat-${i}`) }) },
        parent,
      );
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        {
          allocationId: eip.id,
          subnetId: publicSubnets[i].id,
          connectivityType: "public",
          tags: context.tags({ Name: context.name(`nat-${i}`) }),
        },
        { parent: this, dependsOn: [igw] },
      );
    });
    const privateRoutes = privateSubnets.map((s, i) => {
      const table = new aws.ec2.RouteTable(
        `${name}-private-rt-${i}`,
        {
          vpcId: vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[i % natGateways].id }],
          tags: context.tags({ Name: context.name(`private-${i}`) }),
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(`${name}-private-rta-${i}`, { subnetId: s.id, routeTableId: table.id }, parent);
      return table;
    });

    // Data subnets: local routes only.
    const dataRoutes = new aws.ec2.RouteTable(
      `${name}-data-rt`,
      {
        vpcId: vpc.id,
        tags: context.tags({ Name: context.name("data") }),
      },
      parent,
    );
    dataSubnets.forEach(
      (s, i) =>
        new aws.ec2.RouteTableAssociation(
          `${name}-data-rta-${i}`,
          { subnetId: s.id, routeTableId: dataRoutes.id },
          parent,
        ),
    );

    new aws.ec2.VpcEndpoint(
      `${name}-s3-endpoint`,
      {
        vpcId: vpc.id,
        serviceName: pulumi.interpolate`com.amazonaws.${context.config.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: [...privateRoutes.map((t) => t.id), dataRoutes.id],
        tags: context.tags({ Name: context.name("s3") }),
      },
      parent,
    );

    // Flow logs of accepted and rejected traffic, to CloudWatch or to S3 (storyforge:flowLogDestination).
    if (flowLogDestination === "s3") this.flowLogsToS3(name, context, vpc.id, flowLogRetentionDays);
    else this.flowLogsToCloudWatch(name, context, vpc.id, flowLogRetentionDays);

    this.workloadSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-workloads-sg`,
      {
        vpcId: vpc.id,
        name: context.name("workloads"),
        description: "StoryForge workloads (EKS nodes and pods) allowed to reach the data tier",
        tags: context.tags({ Name: context.name("workloads") }),
      },
      parent,
    );

    this.registerOutputs({
      vpcId: this.vpcId,
      zoneIds: this.zoneIds,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      dataSubnetIds: this.dataSubnetIds,
      workloadSecurityGroupId: this.workloadSecurityGroup.id,
    });
  }

  /**
   * The zones, from the region's answers at deploy time (no `state` filter: a zone that is briefly impaired must
   * not move a pinned or chosen zone). An unusable pinned zone fails the deploy with the key and zone named.
   */
  /** Flow logs to a CloudWatch log group kept `days`, written through a role only VPC Flow Logs may assume. */
  private flowLogsToCloudWatch(name: string, context: StackContext, vpcId: pulumi.Input<string>, days: number) {
    const parent = { parent: this };
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const partition = aws.getPartitionOutput({}, parent).partition;
    const flowLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      {
        name: `/storyforge/${context.config.stack}/vpc-flow-logs`,
        retentionInDays: days,
        tags: context.tags(),
      },
      parent,
    );
    const flowLogRole = new aws.iam.Role(
      `${name}-flow-logs-role`,
      {
        name: context.name("flow-logs", 64),
        // VPC Flow Logs guide ("IAM role for publishing flow logs to CloudWatch Logs"): both keys are sent.
        assumeRolePolicy: pulumi.jsonStringify(
          serviceTrustPolicy("vpc-flow-logs.amazonaws.com", {
            sourceAccount: account,
            sourceArn: pulumi.interpolate`arn:${partition}:ec2:${context.config.region}:${account}:vpc-flow-log/*`,
          }),
        ),
        tags: context.tags(),
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs-policy`,
      {
        role: flowLogRole.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogGroups",
                "logs:DescribeLogStreams",
              ],
              Resource: [flowLogGroup.arn, pulumi.interpolate`${flowLogGroup.arn}:*`],
            },
          ],
        }),
      },
      parent,
    );
    new aws.ec2.FlowLog(
      `${name}-flow-log`,
      {
        vpcId,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: flowLogGroup.arn,
        iamRoleArn: flowLogRole.arn,
        maxAggregationInterval: 60,
        tags: context.tags(),
      },
      parent,
    );
  }

  /**
   * Flow logs to an S3 bucket of this stack, expired after `days`: priced as vended logs (CloudWatch's S3 delivery
   * rate) instead of CloudWatch ingestion, and no IAM role (EC2 CreateFlowLogs takes none for S3). The bucket policy
   * is the one the VPC Flow Logs guide ("Permissions for flow logs to Amazon S3") lists, narrowed to this account's
   * log deliveries in this region by aws:SourceAccount and aws:SourceArn, plus TLS only. The name ends with the
   * account id and region (context.bucketName): bucket names are global.
   */
  private flowLogsToS3(name: string, context: StackContext, vpcId: pulumi.Input<string>, days: number) {
    const parent = { parent: this };
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const partition = aws.getPartitionOutput({}, parent).partition;
    // Settings refer to the bucket by name (its id in AWS), which is also what the cost estimate matches on.
    const bucket = new aws.s3.Bucket(
      `${name}-flow-logs-bucket`,
      { bucket: context.bucketName("flow-logs", account), forceDestroy: true, tags: context.tags() },
      parent,
    );
    const { block } = logBucketSettings(`${name}-flow-logs`, bucket.bucket, { days, noncurrentDays: 1 }, this);
    new aws.s3.BucketOwnershipControls(
      `${name}-flow-logs-ownership`,
      { bucket: bucket.bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    const sourceArn = pulumi.interpolate`arn:${partition}:logs:${context.config.region}:${account}:*`;
    const policy = new aws.s3.BucketPolicy(
      `${name}-flow-logs-policy`,
      {
        bucket: bucket.bucket,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AWSLogDeliveryWrite",
              Effect: "Allow",
              Principal: { Service: "delivery.logs.amazonaws.com" },
              Action: "s3:PutObject",
              Resource: pulumi.interpolate`${bucket.arn}/AWSLogs/${account}/*`,
              Condition: {
                StringEquals: { "aws:SourceAccount": account, "s3:x-amz-acl": "bucket-owner-full-control" },
                ArnLike: { "aws:SourceArn": sourceArn },
              },
            },
            {
              Sid: "AWSLogDeliveryAclCheck",
              Effect: "Allow",
              Principal: { Service: "delivery.logs.amazonaws.com" },
              Action: "s3:GetBucketAcl",
              Resource: bucket.arn,
              Condition: { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": sourceArn } },
            },
            {
              Sid: "TlsOnly",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        }),
      },
      // S3 refuses a policy while the public-access block is being written (OperationAborted).
      { ...parent, dependsOn: [block] },
    );
    new aws.ec2.FlowLog(
      `${name}-flow-log`,
      {
        vpcId,
        trafficType: "ALL",
        logDestinationType: "s3",
        logDestination: bucket.arn,
        maxAggregationInterval: 60,
        tags: context.tags(),
      },
      // The delivery checks its permissions when the flow log is created.
      { ...parent, dependsOn: [policy] },
    );
  }

  private chooseZones(context: StackContext, parent: pulumi.ResourceOptions) {
    const tier = context.config.tier;
    const requiredTypes = [...new Set(NODE_ROLES.map((role) => instanceClassOf(role, tier)))];
    const zones = aws.getAvailabilityZonesOutput({}, parent);
    const offerings = aws.ec2.getInstanceTypeOfferingsOutput(
      { locationType: "availability-zone-id", filters: [{ name: "instance-type", values: requiredTypes }] },
      parent,
    );
    return pulumi.all([zones, offerings]).apply(([z, o]) =>
      chooseZones({
        azCount: tier.network.azCount,
        region: context.config.region,
        zones: { names: z.names, zoneIds: z.zoneIds },
        offerings: { instanceTypes: o.instanceTypes, locations: o.locations },
        requiredTypes,
        pinned: context.config.zoneIds,
      }),
    );
  }
}

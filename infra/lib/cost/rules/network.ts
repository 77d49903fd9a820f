/**
 * Network, edge and storage: NAT gateways, public IPv4 addresses, load balancers, VPC endpoints, CloudFront, S3,
 * ECR and CloudWatch. Most of these are usage-priced: the tier's usage assumptions are stack totals, priced once
 * on the first resource that carries them (see PricingContext.carriesPool).
 */
import type { CostResource } from "../types";
import { HOURS_PER_MONTH, type Draft, type PricingContext, type Rule, arr, bool, gb, obj, str, tiered } from "./common";
import { FLOW_LOG, LOG_GROUP, flowLogDrafts, logGroupDrafts } from "./logs";

export const NAT_GATEWAY = "aws:ec2/natGateway:NatGateway";
export const LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer";
export const LOAD_BALANCER_ALIAS = "aws:alb/loadBalancer:LoadBalancer";
export const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
export const DISTRIBUTION = "aws:cloudfront/distribution:Distribution";
export const BUCKETS = ["aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket"];
export const REPOSITORY = "aws:ecr/repository:Repository";

export function annotations(resource: CostResource): Record<string, unknown> {
  return obj(obj(resource.inputs.metadata).annotations);
}

/** An Ingress of the ALB class: the AWS Load Balancer Controller makes one ALB per Ingress, or per `group.name`. */
export function isAlbIngress(resource: CostResource): boolean {
  if (resource.type !== INGRESS) return false;
  const className =
    str(obj(resource.inputs.spec).ingressClassName) ?? str(annotations(resource)["kubernetes.io/ingress.class"]);
  return className === "alb";
}

export function isAlb(resource: CostResource): boolean {
  if (resource.type === LOAD_BALANCER || resource.type === LOAD_BALANCER_ALIAS) {
    return (str(resource.inputs.loadBalancerType) ?? "application") === "application";
  }
  return isAlbIngress(resource);
}

export const isType =
  (...types: string[]) =>
  (r: CostResource) =>
    types.includes(r.type);

/** An ALB's lines: hours, LCUs from the `albProcessedGb` pool, and a public IPv4 address per zone if internet-facing. */
export function albDrafts(
  resource: CostResource,
  ctx: PricingContext,
  shape: { internal: boolean; zones: number; description: string },
): Draft[] {
  const drafts: Draft[] = [
    {
      sku: "elb/alb",
      attributes: { internal: shape.internal },
      description: `${shape.description} hours`,
      quantity: HOURS_PER_MONTH,
    },
  ];
  if (ctx.carriesPool(resource, isAlb)) {
    // An LCU-hour covers 1 GB processed for EC2/IP targets; bytes are usually the dominant LCU dimension for an API.
    drafts.push({
      sku: "elb/alb-lcu",
      usage: ["albProcessedGb"],
      description: `LCU-hours from processed bytes (usage albProcessedGb ${gb(ctx.usage.albProcessedGb)}, all ALBs)`,
      quantity: ctx.usage.albProcessedGb,
      note: "new/active connections and rule evaluations assumed below the bytes dimension",
    });
  }
  if (!shape.internal) {
    drafts.push({
      sku: "vpc/public-ipv4",
      attributes: { zones: shape.zones },
      description: `Public IPv4 addresses (${shape.zones} zones)`,
      quantity: HOURS_PER_MONTH * shape.zones,
    });
  }
  return drafts;
}

const loadBalancer: Rule = (resource, ctx) => {
  const kind = str(resource.inputs.loadBalancerType) ?? "application";
  const internal = bool(resource.inputs.internal) ?? false;
  const zones = arr(resource.inputs.subnets).length || arr(resource.inputs.subnetMappings).length || 2;
  if (kind === "application") return albDrafts(resource, ctx, { internal, zones, description: "ALB" });
  if (kind === "network") {
    ctx.note(`NLB ${resource.name}: NLCUs not modelled (no usage assumption)`);
    const drafts: Draft[] = [{ sku: "elb/nlb", description: "NLB hours", quantity: HOURS_PER_MONTH }];
    if (!internal)
      drafts.push({
        sku: "vpc/public-ipv4",
        attributes: { zones },
        description: `Public IPv4 addresses (${zones} zones)`,
        quantity: HOURS_PER_MONTH * zones,
      });
    return drafts;
  }
  return [
    {
      sku: `elb/${kind}`,
      description: `${kind} load balancer hours`,
      unpriced: `load balancer type ${kind} has no pricing rule`,
    },
  ];
};

const natGateway: Rule = (resource, ctx) => {
  const drafts: Draft[] = [{ sku: "vpc/nat-gateway", description: "NAT gateway hours", quantity: HOURS_PER_MONTH }];
  if (ctx.carriesPool(resource, isType(NAT_GATEWAY))) {
    drafts.push({
      sku: "vpc/nat-gateway-data",
      usage: ["natProcessedGb"],
      description: `Data processed (usage natProcessedGb ${gb(ctx.usage.natProcessedGb)}, all NAT gateways)`,
      quantity: ctx.usage.natProcessedGb,
    });
  }
  return drafts;
};

const eip: Rule = () => [
  { sku: "vpc/public-ipv4", description: "Public IPv4 address hours", quantity: HOURS_PER_MONTH },
];

const vpcEndpoint: Rule = (resource) => {
  const kind = str(resource.inputs.vpcEndpointType) ?? "Gateway";
  if (kind === "Gateway") return []; // S3 and DynamoDB gateway endpoints are free
  const zones = Math.max(1, arr(resource.inputs.subnetIds).length);
  if (kind !== "Interface") {
    return [
      {
        sku: `vpc/${kind.toLowerCase()}-endpoint`,
        description: `${kind} endpoint hours`,
        unpriced: `endpoint type ${kind} has no pricing rule`,
      },
    ];
  }
  return [
    {
      sku: "vpc/interface-endpoint",
      attributes: { zones },
      description: `Interface endpoint hours (${zones} zones)`,
      quantity: HOURS_PER_MONTH * zones,
    },
  ];
};

/** CloudFront data-out tiers (GB, US/Canada/Mexico rates); the catalog holds the price of each. */
const CLOUDFRONT_TIERS: ReadonlyArray<readonly [number, string]> = [
  [10 * 1024, "cloudfront/data-out-first-10tb"],
  [40 * 1024, "cloudfront/data-out-next-40tb"],
  [100 * 1024, "cloudfront/data-out-next-100tb"],
  [350 * 1024, "cloudfront/data-out-next-350tb"],
  [524 * 1024, "cloudfront/data-out-next-524tb"],
  [4 * 1024 * 1024, "cloudfront/data-out-next-4pb"],
  [Infinity, "cloudfront/data-out-over-5pb"],
];

const distribution: Rule = (resource, ctx) => {
  if (!ctx.carriesPool(resource, isType(DISTRIBUTION))) return [];
  const drafts: Draft[] = tiered(ctx.usage.cdnEgressGb, CLOUDFRONT_TIERS).map(([quantity, sku]) => ({
    sku,
    usage: ["cdnEgressGb"],
    description: `Data transfer out, ${sku.slice("cloudfront/data-out-".length).replace(/-/g, " ")} (usage cdnEgressGb ${gb(ctx.usage.cdnEgressGb)})`,
    quantity,
  }));
  drafts.push({
    sku: "cloudfront/https-requests",
    usage: ["cdnRequestsMillions"],
    description: `HTTPS requests (usage cdnRequestsMillions ${ctx.usage.cdnRequestsMillions.toLocaleString("en-US")}M)`,
    quantity: ctx.usage.cdnRequestsMillions * 100, // priced per 10K requests
  });
  const priceClass = str(resource.inputs.priceClass) ?? "PriceClass_All";
  if (priceClass !== "PriceClass_100") {
    ctx.note(`CloudFront ${priceClass}: all viewers priced at US/Canada/Mexico rates (other regions cost more)`);
  }
  return drafts;
};

const S3_TIERS: ReadonlyArray<readonly [number, string]> = [
  [50 * 1024, "s3/standard-first-50tb"],
  [450 * 1024, "s3/standard-next-450tb"],
  [Infinity, "s3/standard-over-500tb"],
];

/** The bucket that carries `s3StoredGb`: the first that is not an access-log bucket (logs are a small share). */
export function isStorageCarrier(resources: readonly CostResource[]): (r: CostResource) => boolean {
  const buckets = resources.filter((r) => BUCKETS.includes(r.type));
  const carrier = buckets.find((b) => !/log/i.test(b.name)) ?? buckets[0];
  return (r) => r === carrier;
}

const bucket: Rule = (resource, ctx) => {
  if (!ctx.carriesPool(resource, isStorageCarrier(ctx.resources))) return [];
  ctx.note("S3 requests and lifecycle transitions not modelled; origin fetches from CloudFront are free");
  return tiered(ctx.usage.s3StoredGb, S3_TIERS).map(([quantity, sku]) => ({
    sku,
    usage: ["s3StoredGb"],
    description: `S3 Standard storage, ${sku.slice("s3/standard-".length).replace(/-/g, " ")} (usage s3StoredGb ${gb(ctx.usage.s3StoredGb)}, all buckets)`,
    quantity,
  }));
};

const repository: Rule = (resource, ctx) => {
  if (!ctx.carriesPool(resource, isType(REPOSITORY))) return [];
  return [
    {
      sku: "ecr/storage",
      usage: ["ecrStoredGb"],
      description: `Image storage (usage ecrStoredGb ${gb(ctx.usage.ecrStoredGb)}, all repositories)`,
      quantity: ctx.usage.ecrStoredGb,
    },
  ];
};

export const NETWORK_RULES: Record<string, Rule> = {
  [NAT_GATEWAY]: natGateway,
  "aws:ec2/eip:Eip": eip,
  [LOAD_BALANCER]: loadBalancer,
  [LOAD_BALANCER_ALIAS]: loadBalancer,
  "aws:ec2/vpcEndpoint:VpcEndpoint": vpcEndpoint,
  [DISTRIBUTION]: distribution,
  ...Object.fromEntries(BUCKETS.map((t) => [t, bucket])),
  [REPOSITORY]: repository,
  [LOG_GROUP]: logGroupDrafts,
  [FLOW_LOG]: flowLogDrafts,
  "aws:route53/zone:Zone": () => [{ sku: "route53/hosted-zone", description: "Hosted zone", quantity: 1 }],
};

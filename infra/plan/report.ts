/**
 * The human-readable plan: every resource grouped by the component that owns it, with its key sizing
 * (class, count, storage, zones), so a platform engineer can review a stack without a cloud account.
 */
import { Plan, PlannedResource } from "./harness";

type Inputs = Record<string, any>;

/** One-line sizing per resource type; types without an entry show only their name. */
export const SIZING: Record<string, (i: Inputs) => string> = {
  "aws:ec2/vpc:Vpc": (i) => `${i.cidrBlock}`,
  "aws:ec2/subnet:Subnet": (i) => `${i.tags?.["subnet-role"] ?? ""} ${i.cidrBlock} in ${i.availabilityZone}`,
  "aws:ec2/natGateway:NatGateway": () => "NAT gateway",
  "aws:rds/instance:Instance": (i) =>
    [
      i.replicateSourceDb ? `replica of ${i.replicateSourceDb}` : `primary PostgreSQL ${i.engineVersion}`,
      i.instanceClass,
      i.allocatedStorage !== undefined ? `${i.allocatedStorage} GB ${i.storageType}` : `${i.storageType}`,
      i.multiAz ? "Multi-AZ" : `zone ${i.availabilityZone ?? "any"}`,
      i.storageEncrypted ? "encrypted" : "UNENCRYPTED",
    ].join(", "),
  "aws:elasticache/replicationGroup:ReplicationGroup": (i) => {
    const perShard = 1 + Number(i.replicasPerNodeGroup);
    return `Redis ${i.engineVersion}, ${i.numNodeGroups * perShard} × ${i.nodeType} (${i.numNodeGroups} shards × ${perShard}), failover ${i.automaticFailoverEnabled ? "on" : "off"}, TLS ${i.transitEncryptionEnabled ? "on" : "off"}`;
  },
  "aws:elasticache/parameterGroup:ParameterGroup": (i) =>
    (i.parameters ?? []).map((p: Inputs) => `${p.name}=${p.value}`).join(", "),
  "aws:cloudfront/distribution:Distribution": (i) =>
    [
      `${i.priceClass}`,
      `${i.httpVersion}`,
      `${1 + (i.orderedCacheBehaviors?.length ?? 0)} behaviours`,
      `origins ${(i.origins ?? []).map((o: Inputs) => o.originId).join(", ")}`,
      i.aliases?.length ? `aliases ${i.aliases.join(", ")}` : "default *.cloudfront.net name",
      `viewer TLS ≥ ${i.viewerCertificate?.minimumProtocolVersion}`,
      i.loggingConfig?.bucket ? "access logs on" : "NO access logs",
    ].join(", "),
  "aws:cloudfront/cachePolicy:CachePolicy": (i) =>
    `TTL ${i.minTtl}/${i.defaultTtl}/${i.maxTtl} s, query key: ${i.parametersInCacheKeyAndForwardedToOrigin?.queryStringsConfig?.queryStrings?.items?.join(", ") ?? "none"}`,
  "aws:s3/bucket:Bucket": (i) => `${i.bucket}`,
  "aws:opensearch/domain:Domain": (i) => {
    const c = i.clusterConfig ?? {};
    return `${c.instanceCount} × ${c.instanceType} data, ${c.dedicatedMasterCount ?? 0} × ${c.dedicatedMasterType} masters, ${i.ebsOptions?.volumeSize} GB ${i.ebsOptions?.volumeType} each, ${c.zoneAwarenessConfig?.availabilityZoneCount ?? 1} zones`;
  },
};

function shortType(type: string): string {
  return type.split(":").pop() ?? type;
}

/** The top-level component a resource belongs to (its parent chain's last named ancestor). */
export function componentOf(resource: PlannedResource, byName: Map<string, PlannedResource>): string {
  let current = resource;
  const seen = new Set<string>();
  while (current.parent !== null && byName.has(current.parent) && !seen.has(current.parent)) {
    seen.add(current.parent);
    current = byName.get(current.parent)!;
  }
  return current.name;
}

export function renderPlan(plan: Plan): string {
  const byName = new Map(plan.resources.map((r) => [r.name, r]));
  const groups = new Map<string, PlannedResource[]>();
  for (const r of plan.resources) {
    const key = componentOf(r, byName);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  const lines: string[] = [`Stack ${plan.stack}: ${plan.resources.length} resources`, ""];
  for (const [component, members] of groups) {
    const head = byName.get(component);
    lines.push(`${component} (${head ? head.type : "?"}) — ${members.length - (head && members.includes(head) ? 1 : 0)} resources`);
    for (const r of members) {
      if (r.name === component) continue;
      const sizing = SIZING[r.type]?.(r.inputs);
      lines.push(`  ${shortType(r.type).padEnd(28)} ${r.name}${sizing ? `  — ${sizing}` : ""}`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

/**
 * The human-readable plan: every resource grouped by the component that owns it, with its key sizing
 * (class, count, storage, zones), so a platform engineer can review a stack without a cloud account.
 */
import { type Plan, type PlannedResource } from "./harness";
import type { CapacityFigures } from "../../infra/lib/capacity";
import { NODE_ROLES } from "../../stacks/tiers";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- resource inputs and state are whatever the provider's schema says
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
  "aws:eks/cluster:Cluster": (i) =>
    [
      `Kubernetes ${i.version}`,
      i.vpcConfig?.endpointPublicAccess
        ? `API endpoint public to ${(i.vpcConfig?.publicAccessCidrs ?? []).join(", ")}`
        : "API endpoint private only",
      i.encryptionConfig?.resources?.includes("secrets") ? "secrets KMS-encrypted" : "secrets NOT encrypted",
      `logs ${(i.enabledClusterLogTypes ?? []).join("/") || "none"}`,
      `auth ${i.accessConfig?.authenticationMode ?? "CONFIG_MAP"}`,
    ].join(", "),
  "aws:eks/nodeGroup:NodeGroup": (i) => {
    const s = i.scalingConfig ?? {};
    const taints = (i.taints ?? []).map((t: Inputs) => `${t.key}=${t.value}:${t.effect}`).join(", ");
    return `${(i.instanceTypes ?? []).join(", ")} × min ${s.minSize} / desired ${s.desiredSize} / max ${s.maxSize}, ${i.amiType}${taints ? `, taint ${taints}` : ", untainted"}`;
  },
  "aws:ec2/launchTemplate:LaunchTemplate": (i) =>
    `IMDS tokens ${i.metadataOptions?.httpTokens ?? "optional"}, hop limit ${i.metadataOptions?.httpPutResponseHopLimit ?? "default"}, root ${i.blockDeviceMappings?.[0]?.ebs?.volumeSize} GiB ${i.blockDeviceMappings?.[0]?.ebs?.volumeType}${i.blockDeviceMappings?.[0]?.ebs?.encrypted === "true" ? " encrypted" : " UNENCRYPTED"}`,
  "aws:eks/addon:Addon": (i) => `${i.addonName}@${i.addonVersion}${i.serviceAccountRoleArn ? " (IRSA)" : ""}`,
  "kubernetes:helm.sh/v3:Release": (i) => `${i.chart}@${i.version} in ${i.namespace}`,
  "kubernetes:storage.k8s.io/v1:StorageClass": (i) =>
    `${i.parameters?.type}${i.parameters?.encrypted === "true" ? " encrypted" : ""}, ${i.volumeBindingMode}${i.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true" ? ", default" : ""}`,
  // Compute tier workloads
  "aws:ecr/repository:Repository": (i) =>
    `tags ${i.imageTagMutability}, scan on push ${i.imageScanningConfiguration?.scanOnPush ? "on" : "off"}, ${i.encryptionConfigurations?.[0]?.encryptionType ?? "AES256"}`,
  "docker-build:index:Image": (i) =>
    `${(i.platforms ?? []).join(", ")} from ${i.dockerfile?.location ?? "Dockerfile"}, push ${i.push ? "on" : "off"}`,
  "kubernetes:apps/v1:Deployment": (i) => {
    const c = i.spec?.template?.spec?.containers?.[0] ?? {};
    const count = i.spec?.replicas !== undefined ? `${i.spec.replicas} replicas` : "replicas from its autoscaler";
    return `${count}, ${c.resources?.requests?.cpu}/${c.resources?.requests?.memory} requested, on ${i.spec?.template?.spec?.nodeSelector?.["storyforge.io/role"] ?? "any"} nodes, ${c.image}`;
  },
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": (i) =>
    `${i.spec?.minReplicas}-${i.spec?.maxReplicas} pods on ${(i.spec?.metrics ?? []).map((m: Inputs) => `${m.resource?.name} ${m.resource?.target?.averageUtilization} %`).join(", ")}`,
  "kubernetes:keda.sh/v1alpha1:ScaledObject": (i) =>
    `${i.spec?.minReplicaCount}-${i.spec?.maxReplicaCount} pods on ${(i.spec?.triggers ?? []).map((t: Inputs) => (t.type === "metrics-api" ? `queue depth / ${t.metadata?.targetValue}` : `${t.type} ${t.metadata?.value} %`)).join(", ")}`,
  "kubernetes:policy/v1:PodDisruptionBudget": (i) =>
    i.spec?.minAvailable !== undefined
      ? `minAvailable ${i.spec.minAvailable}`
      : `maxUnavailable ${i.spec?.maxUnavailable}`,
  "kubernetes:batch/v1:Job": (i) =>
    `${i.metadata?.name}: ${(i.spec?.template?.spec?.containers?.[0]?.command ?? []).join(" ")}`,
  // Preview stacks (previews/)
  "kubernetes:apps/v1:StatefulSet": (i) =>
    `${i.spec?.replicas} × ${i.spec?.template?.spec?.containers?.[0]?.image}, ${(i.spec?.volumeClaimTemplates ?? []).map((v: Inputs) => `${v.spec?.resources?.requests?.storage} ${v.spec?.storageClassName}`).join(", ")}`,
  "kubernetes:core/v1:ResourceQuota": (i) =>
    Object.entries(i.spec?.hard ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(", "),
  "kubernetes:core/v1:LimitRange": (i) => {
    const l = i.spec?.limits?.[0] ?? {};
    return `default ${l.defaultRequest?.cpu}/${l.defaultRequest?.memory}, max ${l.max?.cpu}/${l.max?.memory} per container`;
  },
  "kubernetes:networking.k8s.io/v1:Ingress": (i) =>
    `${(i.spec?.rules ?? []).map((r: Inputs) => r.host).join(", ")} on ALB group ${i.metadata?.annotations?.["alb.ingress.kubernetes.io/group.name"]}`,
  "aws:lb/loadBalancer:LoadBalancer": (i) =>
    `${i.internal ? "internal" : "internet-facing"} ${i.loadBalancerType}, access logs ${i.accessLogs?.enabled ? "on" : "off"}`,
  "aws:lb/targetGroup:TargetGroup": (i) =>
    `${i.targetType} targets on ${i.protocol} ${i.port}, health ${i.healthCheck?.path}`,
  "aws:lb/listener:Listener": (i) =>
    `${i.protocol} ${i.port}, default ${i.defaultActions?.[0]?.fixedResponse?.statusCode ?? i.defaultActions?.[0]?.type}`,
};

/** The capacity figures of issue 3 §6, when the stack exports them. */
function capacityLines(outputs: Record<string, unknown>): string[] {
  const figures = outputs.capacity as CapacityFigures | undefined;
  if (figures === undefined || figures === null || typeof figures !== "object" || !("nodeGroups" in figures)) return [];
  return ["Capacity (issue 3 §6): every inequality holds", ...formatCapacity(figures).map((l) => `  ${l}`), ""];
}

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
    lines.push(
      `${component} (${head ? head.type : "?"}) — ${members.length - (head && members.includes(head) ? 1 : 0)} resources`,
    );
    for (const r of members) {
      if (r.name === component) continue;
      const sizing = SIZING[r.type]?.(r.inputs);
      lines.push(`  ${shortType(r.type).padEnd(28)} ${r.name}${sizing ? `  — ${sizing}` : ""}`);
    }
    lines.push("");
  }
  lines.push(...capacityLines(plan.outputs));
  return lines.join("\n");
}

/** One line per figure, for `npm run plan`. */
export function formatCapacity(f: CapacityFigures): string[] {
  const lines: string[] = [];
  for (const role of NODE_ROLES) {
    const g = f.nodeGroups[role];
    lines.push(
      `${role.padEnd(6)} nodes: ${g.requested.pods} pods request ${g.requested.cpuMillicores}m / ${g.requested.memoryMiB} MiB; ` +
        `max ${g.maxSize} × ${g.instanceClass} (${g.node.cpuMillicores}m / ${g.node.memoryMiB} MiB each) = ${g.maxAllocatable.cpuMillicores}m / ${g.maxAllocatable.memoryMiB} MiB; needs ${g.nodesNeeded}`,
    );
  }
  const c = f.pgbouncerClients;
  lines.push(
    `pgbouncer clients: ${c.apiPods} api × ${c.apiConnectionsPerPod} + ${c.workerPods} worker × ${c.workerConnectionsPerPod} = ${c.clientConnections} ≤ ${c.pgbouncerReplicas} × ${c.maxClientConn} = ${c.capacity}`,
  );
  const d = f.databaseConnections;
  lines.push(
    `rds primary: ${d.primary.serverConnections} server connections < ${d.primary.instanceClass} ${d.primary.maxConnections} − ${d.reserve} = ${d.primary.limit}`,
  );
  lines.push(
    `rds replica (each of ${d.replica.count}): ${d.replica.serverConnections} < ${d.replica.instanceClass} ${d.replica.maxConnections} − ${d.reserve} = ${d.replica.limit}`,
  );
  const t = f.throughput;
  lines.push(
    `api throughput: ${t.targetRps} rps × (1 − ${t.cdnHitRatio}) = ${t.originRps} rps ≤ ${t.apiMaxReplicas} × ${t.apiPodRps} = ${t.capacityRps} rps`,
  );
  return lines;
}

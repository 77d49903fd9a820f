/**
 * The architecture of a stack, drawn from its offline plan (`npm run plan -- --stack v1 --diagram out.svg`, or
 * `--format mermaid`): the edge, the request path, the cluster's workloads and node groups, and the data services
 * with their sizes, as the program declares them. Pulumi's own graph needs a deployed stack; this works before the
 * first deploy and on an unmerged branch. Only what the plan declares is drawn: a tier without OpenSearch has none.
 */
import type { PlannedResource } from "../../infra/lib/inventory";

export type Layer = "edge" | "ingress" | "cluster" | "data";

export interface DiagramNode {
  id: string;
  layer: Layer;
  title: string;
  /** Sizes and counts, one line each. */
  details: string[];
}

export interface DiagramEdge {
  from: string;
  to: string;
  label: string;
}

export interface Diagram {
  stack: string;
  nodes: DiagramNode[];
  edges: DiagramEdge[];
}

type R = PlannedResource;
const o = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const n = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const s = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function deployment(resources: readonly R[], name: string): R | undefined {
  return resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && s(o(r.inputs.metadata).name) === name);
}

function scalerOf(resources: readonly R[], name: string): string | undefined {
  for (const r of resources) {
    const spec = o(r.inputs.spec);
    if (s(o(spec.scaleTargetRef).name) !== name) continue;
    if (r.type.includes("HorizontalPodAutoscaler"))
      return `HPA ${n(spec.minReplicas) ?? 1}-${n(spec.maxReplicas)} pods`;
    if (r.type.includes("ScaledObject"))
      return `KEDA ${n(spec.minReplicaCount) ?? 0}-${n(spec.maxReplicaCount) ?? 100} pods`;
  }
  return undefined;
}

function nodeGroup(resources: readonly R[], role: string): string | undefined {
  const g = resources.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup" && r.name.endsWith(`-${role}`));
  if (g === undefined) return undefined;
  const sc = o(g.inputs.scalingConfig);
  const types = Array.isArray(g.inputs.instanceTypes) ? (g.inputs.instanceTypes as string[]) : [];
  return `${types[0] ?? "?"} × ${n(sc.minSize)}/${n(sc.desiredSize)}/${n(sc.maxSize)} nodes`;
}

function workload(resources: readonly R[], id: string, title: string): DiagramNode | undefined {
  const d = deployment(resources, id);
  if (d === undefined) return undefined;
  const replicas = n(o(d.inputs.spec).replicas);
  const details = [scalerOf(resources, id) ?? (replicas !== undefined ? `${replicas} pods` : "pods")];
  const group = nodeGroup(resources, id);
  if (group !== undefined) details.push(`on ${group}`);
  return { id, layer: "cluster", title, details };
}

/** The diagram of what `resources` declare. */
export function buildDiagram(stack: string, resources: readonly R[]): Diagram {
  const nodes: DiagramNode[] = [];
  const of = (type: string) => resources.filter((r) => r.type === type);
  const add = (node: DiagramNode | undefined) => node !== undefined && nodes.push(node);

  nodes.push({ id: "viewers", layer: "edge", title: "Viewers", details: ["HTTPS"] });
  const cdn = of("aws:cloudfront/distribution:Distribution")[0];
  if (cdn !== undefined)
    add({ id: "cdn", layer: "edge", title: "CloudFront", details: [s(cdn.inputs.priceClass) ?? "PriceClass_All"] });
  const buckets = of("aws:s3/bucket:Bucket").concat(of("aws:s3/bucketV2:BucketV2"));
  const media = buckets.find((b) => !/log/i.test(b.name));
  if (media !== undefined) {
    // bucket names end with the account and region (infra/lib/naming.ts): one line each, to fit the box
    const [head, suffix] = (s(media.inputs.bucket) ?? media.name).split(/-(?=\d{12}-)/);
    add({ id: "media", layer: "edge", title: "S3 media", details: suffix === undefined ? [head] : [head, suffix] });
  }

  const alb = of("aws:lb/loadBalancer:LoadBalancer")[0];
  if (alb !== undefined)
    add({
      id: "alb",
      layer: "ingress",
      title: "ALB",
      details: [
        alb.inputs.internal === true ? "internal" : "internet-facing",
        ...(Array.isArray(alb.inputs.subnets) ? [`${alb.inputs.subnets.length} zones`] : []),
      ],
    });
  const nats = of("aws:ec2/natGateway:NatGateway");
  if (nats.length > 0) add({ id: "nat", layer: "ingress", title: "NAT gateways", details: [`× ${nats.length}`] });

  add(workload(resources, "api", "API"));
  add(workload(resources, "worker", "Worker"));
  add(workload(resources, "pgbouncer", "PgBouncer"));
  const cluster = of("aws:eks/cluster:Cluster")[0];
  if (cluster !== undefined) {
    const system = nodeGroup(resources, "system");
    add({
      id: "eks",
      layer: "cluster",
      title: `EKS ${s(cluster.inputs.version) ?? ""}`.trim(),
      details: system !== undefined ? [`system ${system}`] : [],
    });
  }

  const rds = of("aws:rds/instance:Instance");
  const primary = rds.find((r) => r.inputs.replicateSourceDb === undefined);
  if (primary !== undefined) {
    const replicas = rds.filter((r) => r !== primary);
    const details = [
      `${s(primary.inputs.instanceClass)}${primary.inputs.multiAz === true ? " Multi-AZ" : ""}`,
      `${n(primary.inputs.allocatedStorage)} GB ${s(primary.inputs.storageType) ?? ""}`.trim(),
    ];
    if (replicas.length > 0)
      details.push(
        `${replicas.length} replica${replicas.length > 1 ? "s" : ""} ${s(replicas[0].inputs.instanceClass)}`,
      );
    add({ id: "rds", layer: "data", title: "RDS PostgreSQL", details });
  }
  const redis = of("aws:elasticache/replicationGroup:ReplicationGroup")[0];
  if (redis !== undefined) {
    const shards = n(redis.inputs.numNodeGroups) ?? 1;
    const perShard = 1 + (n(redis.inputs.replicasPerNodeGroup) ?? 0);
    add({
      id: "redis",
      layer: "data",
      title: "ElastiCache Redis",
      details: [
        `${s(redis.inputs.nodeType)}`,
        `${shards} shard${shards > 1 ? "s" : ""} × ${perShard} = ${shards * perShard} nodes`,
      ],
    });
  }
  const search = of("aws:opensearch/domain:Domain")[0];
  if (search !== undefined) {
    const c = o(search.inputs.clusterConfig);
    const details = [`${s(c.instanceType)} × ${n(c.instanceCount) ?? 1}`];
    if (c.dedicatedMasterEnabled === true)
      details.push(`masters ${s(c.dedicatedMasterType)} × ${n(c.dedicatedMasterCount) ?? 3}`);
    add({ id: "search", layer: "data", title: "OpenSearch", details });
  }

  const has = new Set(nodes.map((x) => x.id));
  const edges: DiagramEdge[] = [
    { from: "viewers", to: "cdn", label: "HTTPS" },
    { from: "cdn", to: "alb", label: "API origin" },
    { from: "cdn", to: "media", label: "media origin" },
    { from: "alb", to: "api", label: "requests" },
    { from: "api", to: "redis", label: "cache" },
    { from: "api", to: "pgbouncer", label: "SQL" },
    { from: "pgbouncer", to: "rds", label: "pooled" },
    { from: "api", to: "search", label: "search" },
    { from: "worker", to: "redis", label: "jobs" },
    { from: "worker", to: "pgbouncer", label: "SQL" },
    { from: "worker", to: "media", label: "segments" },
    { from: "worker", to: "nat", label: "external APIs" },
  ].filter((e) => has.has(e.from) && has.has(e.to));
  return { stack, nodes, edges };
}

function mermaidText(text: string): string {
  return text.replace(/"/g, "#quot;");
}

/** A Mermaid flowchart (GitHub and GitLab render it in Markdown). */
export function renderMermaid(d: Diagram): string {
  const titles: Record<Layer, string> = { edge: "Edge", ingress: "Network", cluster: "EKS cluster", data: "Data" };
  const out = ["flowchart LR", `  %% stack ${d.stack}, from the offline plan`];
  for (const layer of Object.keys(titles) as Layer[]) {
    const inLayer = d.nodes.filter((x) => x.layer === layer);
    if (inLayer.length === 0) continue;
    out.push(`  subgraph ${layer}["${titles[layer]}"]`);
    for (const x of inLayer)
      out.push(`    ${x.id}["${mermaidText([`<b>${x.title}</b>`, ...x.details].join("<br/>"))}"]`);
    out.push("  end");
  }
  for (const e of d.edges) out.push(`  ${e.from} -->|${mermaidText(e.label)}| ${e.to}`);
  return out.join("\n");
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const BOX = { w: 210, line: 16, pad: 10, gapY: 24, gapX: 90 };
const LAYERS: Layer[] = ["edge", "ingress", "cluster", "data"];

/** A self-contained SVG: one column per layer, a box per node with its sizes, arrows for the request path. */
export function renderSvg(d: Diagram): string {
  const pos = new Map<string, { x: number; y: number; h: number }>();
  let height = 0;
  LAYERS.forEach((layer, i) => {
    let y = 50;
    for (const node of d.nodes.filter((x) => x.layer === layer)) {
      const h = BOX.pad * 2 + BOX.line * (1 + node.details.length);
      pos.set(node.id, { x: 20 + i * (BOX.w + BOX.gapX), y, h });
      y += h + BOX.gapY;
    }
    height = Math.max(height, y);
  });
  const width = 20 * 2 + LAYERS.length * BOX.w + (LAYERS.length - 1) * BOX.gapX;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 10}" viewBox="0 0 ${width} ${height + 10}" font-family="sans-serif" font-size="12">`,
    `<title>StoryForge stack ${esc(d.stack)}: architecture from the offline plan</title>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
  ];
  const names: Record<Layer, string> = { edge: "Edge", ingress: "Network", cluster: "EKS cluster", data: "Data" };
  LAYERS.forEach((layer, i) =>
    out.push(`<text x="${20 + i * (BOX.w + BOX.gapX)}" y="30" font-weight="bold" fill="#333">${names[layer]}</text>`),
  );
  for (const e of d.edges) {
    const a = pos.get(e.from)!;
    const b = pos.get(e.to)!;
    const forward = b.x > a.x;
    const x1 = forward ? a.x + BOX.w : a.x;
    const x2 = forward ? b.x : b.x + BOX.w;
    const y1 = a.y + a.h / 2;
    const y2 = b.y + b.h / 2;
    const path =
      a.x === b.x
        ? `M${a.x + BOX.w},${y1} C${a.x + BOX.w + 40},${y1} ${b.x + BOX.w + 40},${y2} ${b.x + BOX.w},${y2}`
        : `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`;
    out.push(
      `<g class="edge" data-from="${e.from}" data-to="${e.to}"><path d="${path}" fill="none" stroke="#555" marker-end="url(#arrow)"/><text x="${(x1 + x2) / 2 + (a.x === b.x ? 40 : 0)}" y="${(y1 + y2) / 2 - 4}" text-anchor="middle" fill="#555" font-size="10">${esc(e.label)}</text></g>`,
    );
  }
  const fills: Record<Layer, string> = { edge: "#e8f1fb", ingress: "#eef7ea", cluster: "#fff4e0", data: "#f3eafb" };
  for (const node of d.nodes) {
    const p = pos.get(node.id)!;
    const lines = node.details
      .map((t, i) => `<text x="${p.x + BOX.pad}" y="${p.y + BOX.pad + BOX.line * (i + 2) - 4}">${esc(t)}</text>`)
      .join("");
    out.push(
      `<g class="node" data-id="${node.id}"><rect x="${p.x}" y="${p.y}" width="${BOX.w}" height="${p.h}" rx="6" fill="${fills[node.layer]}" stroke="#888"/><text x="${p.x + BOX.pad}" y="${p.y + BOX.pad + BOX.line - 4}" font-weight="bold">${esc(node.title)}</text>${lines}</g>`,
    );
  }
  out.push("</svg>");
  return out.join("\n");
}

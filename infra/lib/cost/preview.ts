/**
 * The incremental cost of a preview: what its pods' requests take from the base stack's node groups, priced at
 * those nodes' on-demand rates (the cost estimator's catalog), plus its volumes. A preview adds no node, so this
 * is the share of existing capacity it occupies, the figure to weigh against leaving it running.
 *
 * Share of a node = the larger of the pod's CPU and memory requests over the node's allocatable (what the
 * scheduler can give pods, infra/lib/capacity/): the scarcer resource is what the pod denies other pods.
 */
import { DEFAULT_CATALOG, lookupPrice, type Catalog } from "./catalog";
import { HOURS_PER_MONTH } from "./rules/common";
import { allocatable } from "../capacity";
import { PREVIEW_SPEC, type PreviewNodeRole, type PreviewSpec, steadyPods } from "../../../stacks/preview/spec";

export interface PreviewCostLine {
  item: string;
  /** What it is priced on, e.g. "c7g.large × 0.14". */
  basis: string;
  monthlyUsd: number;
}

export interface PreviewCost {
  monthlyUsd: number;
  lines: PreviewCostLine[];
  /** Items that could not be priced, with the reason (never silently zero). */
  unpriced: string[];
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** `instanceClasses[role]` is the EC2 class of the base stack's node group of that role. */
export function previewCost(
  instanceClasses: Record<PreviewNodeRole, string>,
  region: string,
  spec: PreviewSpec = PREVIEW_SPEC,
  catalog: Catalog = DEFAULT_CATALOG,
): PreviewCost {
  const lines: PreviewCostLine[] = [];
  const unpriced: string[] = [];
  for (const p of steadyPods(spec)) {
    const instanceClass = instanceClasses[p.role];
    const price = lookupPrice(catalog, `ec2/${instanceClass}`, region);
    if ("unpriced" in price) {
      unpriced.push(`${p.name} pod on ${instanceClass}: ${price.unpriced}`);
      continue;
    }
    const node = allocatable(instanceClass);
    const share = Math.max(p.pod.cpuRequestMillicores / node.cpuMillicores, p.pod.memoryRequestMiB / node.memoryMiB);
    lines.push({
      item: `${p.name} pod (${p.role} nodes)`,
      basis: `${instanceClass} × ${share.toFixed(3)}`,
      monthlyUsd: round2(price.entry.price * share * HOURS_PER_MONTH),
    });
  }
  const storageGiB = spec.postgres.storageGiB + spec.redis.storageGiB;
  const sku = `ebs/${spec.storageClass}-storage`;
  const ebs = lookupPrice(catalog, sku, region);
  if ("unpriced" in ebs) unpriced.push(`volumes (${storageGiB} GiB ${spec.storageClass}): ${ebs.unpriced}`);
  else
    lines.push({
      item: "volumes",
      basis: `${storageGiB} GiB ${spec.storageClass}`,
      monthlyUsd: round2(ebs.entry.price * storageGiB),
    });
  return { monthlyUsd: round2(lines.reduce((t, l) => t + l.monthlyUsd, 0)), lines, unpriced };
}

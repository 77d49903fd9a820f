/**
 * Prices what a stack declares. Input: the resources of the offline plan (or a real preview/export converted by
 * ./convert.ts) and the tier's usage assumptions. Each resource type has a pure rule (./rules) that turns inputs
 * into billable quantities; prices come from the catalog for the resource's region. Anything billable without a
 * rule or a price becomes an explicit unpriced line, never a silent zero.
 */
import type { UsageAssumptions } from "../../../stacks/tiers";
import { type Catalog, DEFAULT_CATALOG, lookupPrice } from "./catalog";
import { HOURS_PER_MONTH, type Draft, type PricingContext, fixed, isUnpriced, str } from "./rules/common";
import { describeNodeGroups } from "./rules/compute";
import { RULES, isFreeType, usagePools } from "./rules";
import { REPLICATION_GROUP, SEARCH_DOMAIN, interAzTraffic, jobsPerEdgeRequest } from "./rules/transfer";
import type { LoadProfile } from "./load";
import type { ComponentTotal, CostEstimate, CostResource, LineItem, Range } from "./types";

export interface EstimateOptions {
  /** Region of resources whose provider says none; default: the stack's `pulumi:providers:aws`, else the catalog's. */
  region?: string;
  /** Price catalog; default the committed us-east-1 catalog. */
  catalog?: Catalog;
  /**
   * The tier's traffic per autoscaled role (`loadProfile(tier)`, ./load.ts): node groups that an autoscaler drives
   * are expected at the size that traffic needs. Without it, expected is each group's desiredSize.
   */
  load?: LoadProfile;
  /** Stack name, recorded on the estimate (diffs between stacks use it to line up resource names). */
  stack?: string;
}

/** Label for resources with no component above them. */
export const UNPARENTED = "(stack)";

const RANGE_NOTE =
  "range: min prices every node group at scalingConfig.minSize, max at maxSize (the ceiling HPAs at their maximum can push the cluster autoscaler to); expected at the size the tier's traffic needs where a ScaledObject or HPA drives the group (the load over the bench's per-pod rates, within min and max), else at desiredSize; everything else, usage included, is the same at all three";

/** Usage the estimate derives from the declared resources and the set assumptions (see rules/transfer.ts). */
function derivedUsage(
  resources: readonly CostResource[],
  usage: UsageAssumptions,
  load: LoadProfile | undefined,
): Record<string, number> {
  const carriers = [REPLICATION_GROUP, "aws:rds/instance:Instance", SEARCH_DOMAIN];
  if (!resources.some((r) => carriers.includes(r.type))) return {};
  const t = interAzTraffic(resources, usage, jobsPerEdgeRequest({ load }));
  return {
    interAzCrossingGb: t.redisCrossingGb + t.databaseCrossingGb + t.searchCrossingGb,
    interAzWorkerCrossingGb: t.workerRedisCrossingGb + t.workerDatabaseCrossingGb + t.workerSearchCrossingGb,
  };
}

export function round2(value: number): number {
  return Math.round((value + Number.EPSILON) * 100) / 100;
}

function toRange(quantity: Range | number): Range {
  return typeof quantity === "number" ? fixed(quantity) : quantity;
}

/** The region the stack's default AWS provider declares, if the resources include one. */
function providerRegion(resources: readonly CostResource[]): string | undefined {
  const providers = resources.filter((r) => r.type === "pulumi:providers:aws");
  const preferred = providers.find((p) => p.name.startsWith("default")) ?? providers[0];
  return preferred !== undefined ? (str(preferred.inputs.region) ?? preferred.region) : undefined;
}

/** Top-level component of each resource: walk `parent` up to a resource with no (known) parent. */
export function componentOf(resource: CostResource, byName: ReadonlyMap<string, CostResource>): string {
  let current = resource;
  const seen = new Set<string>();
  while (current.parent !== null && !seen.has(current.name)) {
    seen.add(current.name);
    const parent = byName.get(current.parent);
    if (parent === undefined || parent.type === "pulumi:pulumi:Stack") break;
    current = parent;
  }
  return current === resource ? UNPARENTED : current.type;
}

function sumRanges(ranges: readonly Range[]): Range {
  const total = ranges.reduce(
    (acc, r) => ({ min: acc.min + r.min, expected: acc.expected + r.expected, max: acc.max + r.max }),
    fixed(0),
  );
  return { min: round2(total.min), expected: round2(total.expected), max: round2(total.max) };
}

export function estimateCost(
  listed: readonly CostResource[],
  usage: UsageAssumptions,
  opts: EstimateOptions = {},
): CostEstimate {
  // One order whatever the source lists them in (the program's inventory in declaration order, the plan in its own,
  // a `pulumi preview --json` in the engine's): which resource carries a usage pool, and the order of lines and
  // notes, must not depend on it, or the `cost` output and the offline estimate of the same stack would differ.
  const resources = [...listed].sort((a, b) =>
    a.name === b.name ? a.type.localeCompare(b.type) : a.name.localeCompare(b.name),
  );
  const catalog = opts.catalog ?? DEFAULT_CATALOG;
  const declaredRegion = opts.region ?? providerRegion(resources);
  const defaultRegion = declaredRegion ?? catalog.region;
  const notes = new Set<string>([RANGE_NOTE]);
  if (declaredRegion === undefined) notes.add(`no region declared: resources priced as ${catalog.region}`);

  const byName = new Map<string, CostResource>();
  for (const r of resources) if (!byName.has(r.name) || !r.type.includes("/")) byName.set(r.name, r);

  const carriers = new Map<(r: CostResource) => boolean, CostResource | undefined>();
  const ctx: PricingContext = {
    usage,
    resources,
    carriesPool(resource, isCarrier) {
      if (!carriers.has(isCarrier)) carriers.set(isCarrier, resources.find(isCarrier));
      return carriers.get(isCarrier) === resource;
    },
    note: (text) => notes.add(text),
    ...(opts.load !== undefined ? { load: opts.load } : {}),
    asOf: catalog.catalogDate,
  };

  const lineItems: LineItem[] = [];
  for (const resource of resources) {
    const rule = RULES[resource.type];
    let drafts: Draft[];
    if (rule !== undefined) drafts = rule(resource, ctx);
    else if (isFreeType(resource.type)) drafts = [];
    else
      drafts = [
        {
          sku: resource.type,
          description: "Resource",
          unpriced: `no pricing rule for type ${resource.type}: add one, or list it as free in infra/lib/cost/rules/index.ts`,
        },
      ];

    const region = resource.region ?? str(resource.inputs.region) ?? defaultRegion;
    const component = resource.component ?? componentOf(resource, byName);
    for (const draft of drafts) {
      const base = {
        resource: resource.name,
        type: resource.type,
        component,
        sku: draft.sku,
        description: draft.description,
        item: draft.item ?? draft.sku,
        ...(draft.attributes !== undefined ? { attributes: draft.attributes } : {}),
        ...(draft.usage !== undefined ? { usage: [...draft.usage] } : {}),
      };
      if (isUnpriced(draft)) {
        lineItems.push({
          ...base,
          quantity: fixed(0),
          unit: "",
          unitPrice: null,
          monthly: null,
          unpriced: draft.unpriced,
        });
        continue;
      }
      const quantity = toRange(draft.quantity);
      const found = lookupPrice(catalog, draft.sku, region);
      if ("unpriced" in found) {
        lineItems.push({
          ...base,
          quantity,
          unit: "",
          unitPrice: null,
          monthly: null,
          unpriced: found.unpriced,
          note: draft.note,
        });
        continue;
      }
      const { price, unit } = found.entry;
      lineItems.push({
        ...base,
        quantity,
        unit,
        unitPrice: price,
        monthly: {
          min: round2(quantity.min * price),
          expected: round2(quantity.expected * price),
          max: round2(quantity.max * price),
        },
        note: draft.note,
      });
    }
  }

  const charts = resources.filter(
    (r) => r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v3:Chart",
  );
  if (charts.length > 0) {
    notes.add(
      `Helm releases (${charts.map((r) => r.name).join(", ")}): what a chart creates in AWS by itself (load balancers, volumes) is not visible to the estimate`,
    );
  }
  for (const pool of usagePools(resources)) {
    if (usage[pool.key] > 0 && !resources.some(pool.isCarrier)) {
      notes.add(
        `usage ${pool.key} (${usage[pool.key].toLocaleString("en-US")}) not priced: the stack declares no ${pool.carriers}`,
      );
    }
  }
  const groups = describeNodeGroups(resources);
  if (groups !== undefined) notes.add(groups);

  const byComponent: Record<string, ComponentTotal> = {};
  for (const component of new Set(lineItems.map((l) => l.component))) {
    const lines = lineItems.filter((l) => l.component === component);
    byComponent[component] = {
      monthly: sumRanges(lines.flatMap((l) => (l.monthly !== null ? [l.monthly] : []))),
      unpriced: lines.filter((l) => l.monthly === null).length,
    };
  }

  return {
    currency: "USD",
    ...(opts.stack !== undefined ? { stack: opts.stack } : {}),
    monthly: sumRanges(lineItems.flatMap((l) => (l.monthly !== null ? [l.monthly] : []))),
    byComponent,
    lineItems,
    unpricedLines: lineItems.filter((l) => l.monthly === null).length,
    assumptions: {
      hoursPerMonth: HOURS_PER_MONTH,
      region: defaultRegion,
      usage: { ...usage },
      derived: derivedUsage(resources, usage, opts.load),
      notes: [...notes],
    },
    catalogDate: catalog.catalogDate,
  };
}

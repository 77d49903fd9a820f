/**
 * The shapes the cost estimator reads and writes. `CostResource` is the plan's `PlannedResource` (type token, name,
 * parent name, resolved inputs) plus an optional region that the `--from` converters fill in from a resource's
 * provider; anything that emits the plan's JSON can be priced.
 */
import type { PlannedResource } from "../inventory";

/** One declared resource: the plan's `PlannedResource`, plus the provider's region when the source knows it. */
export interface CostResource extends PlannedResource {
  /** Region of the resource's provider (real previews and exports carry it); else `inputs.region`, else the stack's. */
  region?: string;
  /**
   * Top-level component, when the source knows it without the parents (a preview lists only the resources it
   * changes, not the components above them, but their URNs name them).
   */
  component?: string;
}

/** A monthly figure at each point of the range. */
export interface Range {
  /** Every autoscaled part at its minimum. */
  min: number;
  /** Node groups at their desired size; everything else as declared. */
  expected: number;
  /** Every node group at its maximum (the ceiling HPAs can push the cluster autoscaler to). */
  max: number;
}

/**
 * One priced (or explicitly unpriced) line. `monthly = quantity × unitPrice` at each point of the range, rounded
 * to cents. An unpriced line has `unitPrice: null`, `monthly: null` and says why in `unpriced`: it never counts as
 * zero silently, and totals list how many lines they leave out.
 */
export interface LineItem {
  /** Logical name of the declared resource the line belongs to. */
  resource: string;
  /** Its type token. */
  type: string;
  /** Top-level component the resource sits under (its type token), or "(stack)" for unparented resources. */
  component: string;
  /** Catalog key, e.g. `rds-postgres/db.m7g.xlarge`. */
  sku: string;
  /** What the line is, for people: "Instance hours (Multi-AZ: primary + standby)". */
  description: string;
  /** Billable quantity per month at each point of the range, in `unit`. */
  quantity: Range;
  /** Catalog unit: hours, GB, GB-months, LCU-hours, 10K requests... */
  unit: string;
  /** USD per unit, from the catalog; `null` when unpriced. */
  unitPrice: number | null;
  /** USD per month at each point of the range; `null` when unpriced. */
  monthly: Range | null;
  /** Why the line has no price (region outside the catalog, SKU missing, no pricing rule). */
  unpriced?: string;
  /** Anything a reviewer should know about how the line was derived. */
  note?: string;
  /**
   * What the line bills on its resource, stable across class, size and count changes ("instance-hours", "storage");
   * the SKU itself when the SKU does not vary with the inputs. Diffs match lines on resource + item.
   */
  item?: string;
  /** The inputs the line was priced from (class, Multi-AZ, sizes), so a diff can say what changed. */
  attributes?: LineAttributes;
  /** Usage assumptions the quantity comes from: such a line moves when the assumption does, not the resource. */
  usage?: string[];
}

export type LineAttributes = Record<string, string | number | boolean>;

export interface ComponentTotal {
  monthly: Range;
  /** Lines of this component with no price. */
  unpriced: number;
}

export interface CostAssumptions {
  hoursPerMonth: number;
  /** Region the stack's resources default to. */
  region: string;
  /** The usage the usage-driven lines were priced from (per month; stored volumes in GB). */
  usage: Record<string, number>;
  /** Volumes the estimate derives from the usage and the resources (inter-AZ GB: rules/transfer.ts), not set. */
  derived?: Record<string, number>;
  /** How the range is built and other rules of the estimate, one sentence each. */
  notes: string[];
}

/** What `estimateCost` returns; also the `cost` stack output. */
export interface CostEstimate {
  currency: "USD";
  /** Stack the estimate is for, when known (used to line up names in diffs between stacks). */
  stack?: string;
  /** Sum of the priced lines; unpriced lines are counted in `unpricedLines`, never added as zero. */
  monthly: Range;
  /** Totals per top-level component. */
  byComponent: Record<string, ComponentTotal>;
  lineItems: LineItem[];
  /** Number of lines with no price. */
  unpricedLines: number;
  assumptions: CostAssumptions;
  /** Date of the price catalog used. */
  catalogDate: string;
}

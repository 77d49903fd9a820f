import type { UsageAssumptions } from "../../../../stacks/tiers";
import type { CostResource, LineAttributes, Range } from "../types";
import type { LoadProfile } from "../load";

/** 730 hours a month: the convention AWS's own calculator and Infracost use. */
export const HOURS_PER_MONTH = 730;

/** How a line is known to diffs: see LineItem.item, .attributes and .usage. */
export interface DraftIdentity {
  item?: string;
  attributes?: LineAttributes;
  usage?: Array<keyof UsageAssumptions>;
}

/** A line a rule wants priced: the estimator looks the SKU up in the catalog for the resource's region. */
export interface LineDraft extends DraftIdentity {
  sku: string;
  description: string;
  /** Billable quantity per month; a number means the same at every point of the range. */
  quantity: Range | number;
  note?: string;
}

/** A line a rule cannot price (missing input, unknown class...): it becomes an explicit unpriced line. */
export interface UnpricedDraft extends DraftIdentity {
  sku: string;
  description: string;
  unpriced: string;
}

export type Draft = LineDraft | UnpricedDraft;

/** What a rule sees besides its own resource. */
export interface PricingContext {
  usage: UsageAssumptions;
  /** Every declared resource, in declaration order (rules look up launch templates, replica sources...). */
  resources: readonly CostResource[];
  /**
   * True when `resource` carries a usage pool: it is the first declared resource for which `isCarrier` holds.
   * Usage assumptions are stack totals; they are priced once, on that resource, so tiered prices (CloudFront,
   * S3) apply to the whole volume.
   */
  carriesPool(resource: CostResource, isCarrier: (r: CostResource) => boolean): boolean;
  /** The tier's traffic per autoscaled role, from which node groups' expected sizes follow; none: desiredSize. */
  load?: LoadProfile;
  /** The date prices and calendars hold for (the catalog's date, YYYY-MM-DD). */
  asOf: string;
  /** Records an assumption printed with the estimate (deduplicated). */
  note(text: string): void;
}

/** Prices one resource. Returns no drafts for a resource that costs nothing by itself. */
export type Rule = (resource: CostResource, ctx: PricingContext) => Draft[];

export function isUnpriced(draft: Draft): draft is UnpricedDraft {
  return "unpriced" in draft;
}

export function obj(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A number input, accepting numeric strings (previews of some providers print numbers as strings). */
export function num(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function str(value: unknown): string | undefined {
  // "[unknown]": a preview's value known only after apply (tools/cost/convert.ts).
  return typeof value === "string" && value !== "" && value !== "[secret]" && value !== "[unknown]" ? value : undefined;
}

export function bool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}

export function range(min: number, expected: number, max: number): Range {
  return { min, expected, max };
}

export function fixed(value: number): Range {
  return { min: value, expected: value, max: value };
}

export function scale(r: Range, factor: number): Range {
  return { min: r.min * factor, expected: r.expected * factor, max: r.max * factor };
}

/** Splits `total` over price tiers of `sizes` (the last tier open-ended) into [quantity, sku] pairs. */
export function tiered(total: number, tiers: ReadonlyArray<readonly [number, string]>): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  let left = total;
  for (const [size, sku] of tiers) {
    if (left <= 0) break;
    const take = Number.isFinite(size) ? Math.min(left, size) : left;
    out.push([take, sku]);
    left -= take;
  }
  return out;
}

/** Formats a GB volume for notes: "20,000 GB". */
export function gb(value: number): string {
  return `${value.toLocaleString("en-US")} GB`;
}

/** "100Gi" / "500G" / "1Ti" → GiB-ish GB (AWS bills block storage in GiB-months). */
export function parseStorage(quantity: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(quantity.trim());
  if (match === null) return undefined;
  const value = Number(match[1]);
  const factor: Record<string, number> = {
    Ki: 1 / 1024 ** 2,
    Mi: 1 / 1024,
    Gi: 1,
    Ti: 1024,
    K: 1e3 / 1024 ** 3,
    M: 1e6 / 1024 ** 3,
    G: 1e9 / 1024 ** 3,
    T: 1e12 / 1024 ** 3,
  };
  return value * (factor[match[2] ?? ""] ?? 1 / 1024 ** 3);
}

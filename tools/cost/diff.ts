/**
 * The difference of two estimates, as data (`computeDiff`) and as Markdown (`diffEstimates`, ./markdown.ts).
 *
 * Lines are matched on a stable key, resource + item (what the line bills: "instance-hours", "storage", or the SKU
 * when the SKU does not vary with the inputs), never on their description: "Storage (1,000 GB gp3)" and "Storage
 * (2,000 GB gp3)" are one line that changed, and what changed is read from the lines' attributes (class, Multi-AZ,
 * sizes). A line that moved only because a usage assumption it comes from moved is a usage change, kept apart from
 * the resource changes.
 */
import type { CostEstimate, LineAttributes, LineItem, Range } from "../../infra/lib/cost/types";
import { type MarkdownFlavour, renderDiff } from "./markdown";

export type Mark = "+" | "-" | "~";

export interface AttributeChange {
  name: string;
  from?: LineAttributes[string];
  to?: LineAttributes[string];
}

export interface DiffRow {
  mark: Mark;
  /** `resource`: the resource (or its inputs) changed; `usage`: only a usage assumption the line comes from did. */
  cause: "resource" | "usage";
  key: string;
  from?: LineItem;
  to?: LineItem;
  /** Attributes that differ between the two lines (empty for lines added or removed). */
  attributes: AttributeChange[];
  /** after - before at each point of the range; an unpriced side counts as nothing. */
  delta: Range;
  /** The preview step that changes the resource (create, update, replace, delete), when the diff comes from one. */
  step?: string;
}

export interface DiffSide {
  label: string;
  /** Totals; `null` when the side is not the whole stack (a preview that lists only the resources it changes). */
  monthly: Range | null;
  unpricedLines: number;
}

export interface CostDiff {
  before: DiffSide;
  after: DiffSide;
  /** after - before at each point of the range, summed over the rows. */
  change: Range;
  rows: DiffRow[];
  unchanged: number;
  /** Usage assumptions whose value differs (stack totals per month). */
  usage: Array<{ key: string; from?: number; to?: number }>;
  /** Lines of the after side with no price (not in its totals). */
  unpriced: LineItem[];
  /** Why totals or a verdict are missing, what was left out; one sentence each. */
  notes: string[];
  catalogDate: string;
  hoursPerMonth: number;
}

const ZERO: Range = { min: 0, expected: 0, max: 0 };

function cents(v: number): number {
  return Math.round((v + Number.EPSILON) * 100) / 100;
}

function sub(a: Range, b: Range): Range {
  return { min: cents(a.min - b.min), expected: cents(a.expected - b.expected), max: cents(a.max - b.max) };
}

function add(a: Range, b: Range): Range {
  return { min: cents(a.min + b.min), expected: cents(a.expected + b.expected), max: cents(a.max + b.max) };
}

/** Estimates written before lines had an `item`: the description up to its first parenthesis. */
function legacyItem(line: LineItem): string {
  const cut = line.description.indexOf(" (");
  return (cut >= 0 ? line.description.slice(0, cut) : line.description).trim();
}

function escape(stack: string): string {
  return stack.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A resource name with its stack's name replaced by `{stack}`, so `db-mvp` and `db-v1` line up across stacks. */
export function normalise(resource: string, stack: string | undefined): string {
  if (stack === undefined) return resource;
  return resource.replace(new RegExp(`(^|[-_.])${escape(stack)}(?=$|[-_.])`, "g"), "$1{stack}");
}

function keyed(estimate: CostEstimate, stackAware: boolean): Map<string, LineItem> {
  const out = new Map<string, LineItem>();
  for (const line of estimate.lineItems) {
    const base = `${normalise(line.resource, stackAware ? estimate.stack : undefined)}|${line.item ?? legacyItem(line)}`;
    let key = base;
    for (let i = 2; out.has(key); i++) key = `${base}#${i}`;
    out.set(key, line);
  }
  return out;
}

function attributeChanges(from: LineItem, to: LineItem): AttributeChange[] {
  const a = from.attributes ?? {};
  const b = to.attributes ?? {};
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return names
    .filter((n) => a[n] !== b[n])
    .map((name) => ({ name, ...(name in a ? { from: a[name] } : {}), ...(name in b ? { to: b[name] } : {}) }));
}

function same(a: LineItem, b: LineItem): boolean {
  return (
    a.sku === b.sku &&
    JSON.stringify(a.monthly) === JSON.stringify(b.monthly) &&
    JSON.stringify(a.quantity) === JSON.stringify(b.quantity) &&
    attributeChanges(a, b).length === 0
  );
}

export interface DiffOptions {
  before?: string;
  after?: string;
  /** Preview steps by resource name (see ./plan-delta.ts). */
  steps?: ReadonlyMap<string, string>;
  /** Set when the two sides are not whole stacks: totals are left out and the reasons kept as notes. */
  partial?: string[];
}

export function computeDiff(a: CostEstimate, b: CostEstimate, opts: DiffOptions = {}): CostDiff {
  const stackAware = a.stack !== undefined && b.stack !== undefined && a.stack !== b.stack;
  const left = keyed(a, stackAware);
  const right = keyed(b, stackAware);
  const usageA = a.assumptions.usage;
  const usageB = b.assumptions.usage;
  const movedUsage = new Set(
    [...new Set([...Object.keys(usageA), ...Object.keys(usageB)])].filter((k) => usageA[k] !== usageB[k]),
  );
  const resourcesA = new Set(a.lineItems.map((l) => normalise(l.resource, stackAware ? a.stack : undefined)));
  const resourcesB = new Set(b.lineItems.map((l) => normalise(l.resource, stackAware ? b.stack : undefined)));
  const byUsage = (line: LineItem) => (line.usage ?? []).some((k) => movedUsage.has(k));
  const stepOf = (line: LineItem) => opts.steps?.get(line.resource);

  const rows: DiffRow[] = [];
  let unchanged = 0;
  for (const [key, line] of right) {
    const old = left.get(key);
    if (old === undefined) {
      // A usage tier line that appears on a resource present before (CloudFront's next 40 TB) moved with usage.
      const resource = key.slice(0, key.indexOf("|"));
      const cause = byUsage(line) && resourcesA.has(resource) ? "usage" : "resource";
      rows.push({ mark: "+", cause, key, to: line, attributes: [], delta: line.monthly ?? ZERO, step: stepOf(line) });
      continue;
    }
    if (same(old, line)) {
      unchanged++;
      continue;
    }
    const attributes = attributeChanges(old, line);
    const cause = old.sku === line.sku && attributes.length === 0 && byUsage(line) ? "usage" : "resource";
    rows.push({
      mark: "~",
      cause,
      key,
      from: old,
      to: line,
      attributes,
      delta: sub(line.monthly ?? ZERO, old.monthly ?? ZERO),
      step: stepOf(line),
    });
  }
  for (const [key, line] of left) {
    if (right.has(key)) continue;
    const resource = key.slice(0, key.indexOf("|"));
    const cause = byUsage(line) && resourcesB.has(resource) ? "usage" : "resource";
    rows.push({
      mark: "-",
      cause,
      key,
      from: line,
      attributes: [],
      delta: sub(ZERO, line.monthly ?? ZERO),
      step: stepOf(line),
    });
  }
  rows.sort(
    (x, y) =>
      Math.abs(y.delta.expected) - Math.abs(x.delta.expected) ||
      Math.abs(y.delta.max) - Math.abs(x.delta.max) ||
      x.key.localeCompare(y.key),
  );
  const partial = opts.partial ?? [];
  return {
    before: {
      label: opts.before ?? a.stack ?? "before",
      monthly: partial.length > 0 ? null : a.monthly,
      unpricedLines: a.unpricedLines,
    },
    after: {
      label: opts.after ?? b.stack ?? "after",
      monthly: partial.length > 0 ? null : b.monthly,
      unpricedLines: b.unpricedLines,
    },
    change: partial.length > 0 ? rows.reduce((t, r) => add(t, r.delta), ZERO) : sub(b.monthly, a.monthly),
    rows,
    unchanged,
    usage: [...movedUsage].sort().map((key) => ({
      key,
      ...(key in usageA ? { from: usageA[key] } : {}),
      ...(key in usageB ? { to: usageB[key] } : {}),
    })),
    unpriced: b.lineItems.filter((l) => l.monthly === null),
    notes: partial,
    catalogDate: b.catalogDate,
    hoursPerMonth: b.assumptions.hoursPerMonth,
  };
}

/** The Markdown diff of two estimates (the pull-request comment body with `format: "github" | "gitlab"`). */
export function diffEstimates(
  a: CostEstimate,
  b: CostEstimate,
  opts: DiffOptions & { format?: MarkdownFlavour } = {},
): string {
  return renderDiff(computeDiff(a, b, opts), { format: opts.format ?? "markdown" });
}

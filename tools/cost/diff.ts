/**
 * A Markdown diff of two estimates, shaped like Infracost's pull-request comment: totals (min / expected / max),
 * then the lines added, removed and changed, largest change first. Lines are matched by resource and item (the
 * description without its parenthesised details), so a class change reads as one changed line, not a pair.
 */
import { percent, signedUsd, usd } from "../../infra/lib/cost/format";
import type { CostEstimate, LineItem } from "../../infra/lib/cost/types";

interface Keyed {
  key: string;
  line: LineItem;
}

/** The description up to its first parenthesis: "Storage (1,000 GB gp3)" → "Storage". */
function item(line: LineItem): string {
  const cut = line.description.indexOf(" (");
  return (cut >= 0 ? line.description.slice(0, cut) : line.description).trim();
}

function normalise(resource: string, stack: string | undefined): string {
  if (stack === undefined) return resource;
  return resource.replace(
    new RegExp(`(^|[-_.])${stack.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=$|[-_.])`, "g"),
    "$1{stack}",
  );
}

function keyed(estimate: CostEstimate, stackAware: boolean): Map<string, Keyed> {
  const out = new Map<string, Keyed>();
  for (const line of estimate.lineItems) {
    const base = `${normalise(line.resource, stackAware ? estimate.stack : undefined)}|${item(line)}`;
    let key = base;
    for (let i = 2; out.has(key); i++) key = `${base}#${i}`;
    out.set(key, { key, line });
  }
  return out;
}

function expected(line: LineItem | undefined): number {
  return line?.monthly?.expected ?? 0;
}

function cell(line: LineItem | undefined): string {
  if (line === undefined) return "–";
  return line.monthly === null ? "unpriced" : usd(line.monthly.expected);
}

function shortComponent(component: string): string {
  return component.split(":").pop() ?? component;
}

export interface DiffLabels {
  before?: string;
  after?: string;
}

export function diffEstimates(a: CostEstimate, b: CostEstimate, labels: DiffLabels = {}): string {
  const before = labels.before ?? a.stack ?? "before";
  const after = labels.after ?? b.stack ?? "after";
  const stackAware = a.stack !== undefined && b.stack !== undefined && a.stack !== b.stack;
  const left = keyed(a, stackAware);
  const right = keyed(b, stackAware);

  type Row = { mark: "+" | "-" | "~"; from?: LineItem; to?: LineItem; delta: number };
  const rows: Row[] = [];
  let unchanged = 0;
  for (const [key, { line }] of right) {
    const old = left.get(key)?.line;
    if (old === undefined) rows.push({ mark: "+", to: line, delta: expected(line) });
    else {
      const same =
        old.sku === line.sku &&
        JSON.stringify(old.monthly) === JSON.stringify(line.monthly) &&
        JSON.stringify(old.quantity) === JSON.stringify(line.quantity);
      if (same) unchanged++;
      else rows.push({ mark: "~", from: old, to: line, delta: expected(line) - expected(old) });
    }
  }
  for (const [key, { line }] of left) if (!right.has(key)) rows.push({ mark: "-", from: line, delta: -expected(line) });
  rows.sort(
    (x, y) =>
      Math.abs(y.delta) - Math.abs(x.delta) || (x.to ?? x.from)!.resource.localeCompare((y.to ?? y.from)!.resource),
  );

  const out: string[] = [];
  out.push(`### Monthly cost: ${before} → ${after}`, "");
  out.push(`| USD / month | ${before} | ${after} | Change |`, "|---|---:|---:|---:|");
  for (const point of ["min", "expected", "max"] as const) {
    const from = a.monthly[point];
    const to = b.monthly[point];
    out.push(
      `| ${point} | ${usd(from)} | ${usd(to)} | ${signedUsd(Math.round((to - from) * 100) / 100)} (${percent(from, to)}) |`,
    );
  }
  out.push("");
  const count = (m: Row["mark"]) => rows.filter((r) => r.mark === m).length;
  out.push(`**${count("+")} added, ${count("-")} removed, ${count("~")} changed** (${unchanged} unchanged)`, "");
  if (rows.length > 0) {
    out.push(
      `| | Component | Resource | Item | SKU | ${before} | ${after} | Change (expected) |`,
      "|---|---|---|---|---|---:|---:|---:|",
    );
    for (const r of rows) {
      const line = (r.to ?? r.from)!;
      const sku =
        r.from !== undefined && r.to !== undefined && r.from.sku !== r.to.sku
          ? `${r.from.sku} → ${r.to.sku}`
          : line.sku;
      out.push(
        `| ${r.mark} | ${shortComponent(line.component)} | ${line.resource} | ${item(line)} | \`${sku}\` | ${cell(r.from)} | ${cell(r.to)} | ${signedUsd(Math.round(r.delta * 100) / 100)} |`,
      );
    }
    out.push("");
  }
  if (b.unpricedLines > 0) {
    out.push(`⚠ ${after} has ${b.unpricedLines} unpriced line(s), not in its totals:`);
    for (const l of b.lineItems.filter((x) => x.monthly === null))
      out.push(`- ${l.resource} \`${l.sku}\`: ${l.unpriced}`);
    out.push("");
  }
  out.push(
    `<sub>us-east-1 on-demand prices of ${b.catalogDate}, ${b.assumptions.hoursPerMonth} h/month; expected = node groups at desired size, usage from each tier's assumptions.</sub>`,
  );
  return out.join("\n");
}

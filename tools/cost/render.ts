/**
 * The readable report of `npm run cost -- --stack <s>`: lines grouped by component, subtotals, the range, the
 * tier's budget and the seed's projection beside the total, the usage assumptions and every unpriced line.
 */
import type { BudgetTier } from "../../stacks/tiers";
import { checkBudget } from "../../infra/lib/cost/budget";
import { quantity, usd } from "../../infra/lib/cost/format";
import type { CostEstimate, LineItem, Range } from "../../infra/lib/cost/types";

const COLUMNS = { resource: 30, item: 58, qty: 24, money: 12 };

function pad(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

function money(r: Range | null): string {
  if (r === null) return "unpriced".padStart(COLUMNS.money * 3 + 2);
  return [r.min, r.expected, r.max].map((v) => usd(v).padStart(COLUMNS.money)).join(" ");
}

function qty(line: LineItem): string {
  if (line.unitPrice === null) return "";
  const q = line.quantity;
  const n = q.min === q.max ? quantity(q.expected) : `${quantity(q.min)}-${quantity(q.max)}`;
  return `${n} ${line.unit} x $${line.unitPrice}`;
}

/** A plain-text table; `tier` adds the budget and the seed's projection beside the total. */
export function renderEstimate(estimate: CostEstimate, tier?: { name: string; budget: BudgetTier }): string {
  const out: string[] = [];
  const title = estimate.stack !== undefined ? `stack ${estimate.stack}` : "resources";
  out.push(
    `Monthly cost estimate for ${title}: ${estimate.assumptions.region} on-demand prices of ${estimate.catalogDate}, ${estimate.assumptions.hoursPerMonth} h/month, USD`,
    "",
  );
  const header = `${pad("Resource", COLUMNS.resource)} ${pad("Item", COLUMNS.item)} ${pad("Quantity x unit price", COLUMNS.qty + 14)} ${"min".padStart(COLUMNS.money)} ${"expected".padStart(COLUMNS.money)} ${"max".padStart(COLUMNS.money)}`;
  const rule = "-".repeat(header.length);
  for (const [component, total] of Object.entries(estimate.byComponent).sort(
    (x, y) => y[1].monthly.expected - x[1].monthly.expected,
  )) {
    out.push(component, rule, header, rule);
    for (const line of estimate.lineItems.filter((l) => l.component === component)) {
      out.push(
        `${pad(line.resource, COLUMNS.resource)} ${pad(line.description, COLUMNS.item)} ${pad(qty(line), COLUMNS.qty + 14)} ${money(line.monthly)}`,
      );
    }
    const unpriced = total.unpriced > 0 ? `  (+${total.unpriced} unpriced)` : "";
    out.push(
      rule,
      `${pad(`Subtotal ${component.split(":").pop() ?? component}${unpriced}`, COLUMNS.resource + COLUMNS.item + COLUMNS.qty + 16)} ${money(total.monthly)}`,
      "",
    );
  }
  out.push(`${pad("TOTAL", COLUMNS.resource + COLUMNS.item + COLUMNS.qty + 16)} ${money(estimate.monthly)}`);
  if (estimate.unpricedLines > 0)
    out.push(`(${estimate.unpricedLines} unpriced line(s) are not in the totals; listed below)`);
  out.push("");

  if (tier !== undefined) {
    const { low, high } = tier.budget.projectionUsd;
    const e = estimate.monthly.expected;
    const where = e < low ? `below it by ${usd(low - e)}` : e > high ? `above it by ${usd(e - high)}` : "inside it";
    out.push(`Seed 000 §8.2 projection for ${tier.name}: ${usd(low)} - ${usd(high)} per month; expected is ${where}`);
    const budget = checkBudget(estimate, tier);
    out.push(
      `Budget ceiling ${usd(tier.budget.monthlyCeilingUsd)}: ${budget.ok ? "OK" : "OVER"} - ${budget.message.split("\n")[0]}`,
    );
    if (!budget.ok) out.push(...budget.message.split("\n").slice(1));
    out.push("");
  }

  out.push("Usage assumptions (per month; stored volumes in GB):");
  for (const [key, value] of Object.entries(estimate.assumptions.usage))
    out.push(`  ${key.padEnd(22)} ${quantity(value)}`);
  for (const [key, value] of Object.entries(estimate.assumptions.derived ?? {}))
    out.push(`  ${key.padEnd(22)} ${quantity(value)} (derived)`);
  out.push("", "Notes:");
  for (const note of estimate.assumptions.notes) out.push(`  - ${note}`);
  const unpriced = estimate.lineItems.filter((l) => l.monthly === null);
  if (unpriced.length > 0) {
    out.push("", "Unpriced lines:");
    for (const l of unpriced) out.push(`  - ${l.resource} (${l.type}) ${l.sku}: ${l.unpriced}`);
  }
  const noted = estimate.lineItems.filter((l) => l.note !== undefined);
  if (noted.length > 0) {
    out.push("", "Line notes:");
    for (const l of noted) out.push(`  - ${l.resource} ${l.sku}: ${l.note}`);
  }
  return out.join("\n");
}

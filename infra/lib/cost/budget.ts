/**
 * Budget check: a tier's expected monthly cost against its ceiling (the upper bound of seed 000 §8.2's
 * projection, `TierSpec.budget`). `npm run plan` fails on an over-budget stack with the lines that make it so.
 */
import type { BudgetTier } from "../../../stacks/tiers";
import { usd } from "./format";
import type { CostEstimate, LineItem } from "./types";

export type BudgetResult = { ok: true; message: string } | { ok: false; message: string };

/** The priced lines with the largest expected monthly cost, largest first. */
export function topLines(estimate: CostEstimate, count: number): LineItem[] {
  return estimate.lineItems
    .filter((l) => l.monthly !== null)
    .sort((a, b) => (b.monthly?.expected ?? 0) - (a.monthly?.expected ?? 0))
    .slice(0, count);
}

export function checkBudget(estimate: CostEstimate, tier: { name: string; budget: BudgetTier }, top = 5): BudgetResult {
  const ceiling = tier.budget.monthlyCeilingUsd;
  const expected = estimate.monthly.expected;
  const unpriced = estimate.unpricedLines > 0 ? ` (${estimate.unpricedLines} unpriced line(s) not included)` : "";
  if (expected <= ceiling) {
    return {
      ok: true,
      message: `${tier.name}: expected ${usd(expected)}/month is within the ${usd(ceiling)} budget${unpriced}`,
    };
  }
  const lines = topLines(estimate, top).map(
    (l) => `  ${usd(l.monthly?.expected ?? 0).padStart(12)}  ${l.resource}: ${l.description} [${l.sku}]`,
  );
  return {
    ok: false,
    message: [
      `${tier.name}: expected ${usd(expected)}/month is over the ${usd(ceiling)} budget by ${usd(expected - ceiling)}${unpriced}.`,
      `Top ${lines.length} lines:`,
      ...lines,
    ].join("\n"),
  };
}

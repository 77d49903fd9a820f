/**
 * Cost: the stack's expected monthly cost within its tier's budget, priced by the same estimator and budget
 * check `npm run plan` and `npm run cost` use (infra/lib/cost), so the pack and the program cannot disagree.
 */
import type { PolicyResource } from "@pulumi/policy";
import { checkBudget } from "../../infra/lib/cost/budget";
import { estimateCost } from "../../infra/lib/cost/estimate";
import { loadProfile } from "../../infra/lib/cost/load";
import type { CostResource } from "../../infra/lib/cost/types";
import { stackRule, type Rule } from "./kit";

/** The estimator's input from the resources CrossGuard passes (props are the resource's inputs/outputs). */
export function costResources(resources: readonly PolicyResource[]): CostResource[] {
  return resources.map((r) => ({ type: r.type, name: r.name, parent: r.parent?.name ?? null, inputs: r.props }));
}

export const costWithinBudget = stackRule({
  name: "cost-within-budget",
  description: "The stack's expected monthly cost is within its tier's budget (the upper bound of seed 000 §8.2).",
  level: "T",
  tierOnly: true,
  sources: ["seed 000 §8.2 (cost projections)", "infra/lib/cost/budget.ts checkBudget"],
  check: (resources, ctx, report) => {
    const estimate = estimateCost(costResources(resources), ctx.sizing.usage, { load: loadProfile(ctx.sizing) });
    const result = checkBudget(estimate, { name: ctx.tier, budget: ctx.sizing.budget });
    if (!result.ok) report(result.message);
  },
});

export const costRules: readonly Rule[] = [costWithinBudget];

import { planStack, type Plan } from "../../infra/plan/harness";
import { checkBudget } from "../../infra/cost/budget";
import { estimateCost } from "../../infra/cost/estimate";
import { stackContext } from "../../infra/cost/sources";
import type { CostEstimate } from "../../infra/cost/types";
import { PLAN_TIMEOUT_MS } from "../support/plan";
import { GOLDEN_MONTHLY } from "./goldens";

let plan: Plan;
beforeAll(async () => {
  plan = await planStack("mvp");
}, PLAN_TIMEOUT_MS);

describe("cost of the mvp stack", () => {
  it("the `cost` stack output is the offline estimate of the same stack", () => {
    const context = stackContext("mvp")!;
    const offline = estimateCost(plan.resources, context.tier.usage, { region: context.region, stack: "mvp" });
    expect(plan.outputs.cost).toEqual(offline);
  });

  it("totals what the plan declares: min, expected and max pinned", () => {
    expect((plan.outputs.cost as CostEstimate).monthly).toEqual(GOLDEN_MONTHLY.mvp);
  });

  it("prices every line: nothing the program declares lacks a rule or a price", () => {
    const unpriced = (plan.outputs.cost as CostEstimate).lineItems.filter((l) => l.monthly === null);
    expect(unpriced.map((l) => `${l.resource} ${l.sku}: ${l.unpriced}`)).toEqual([]);
  });

  it("stays within the tier's budget", () => {
    const result = checkBudget(plan.outputs.cost as CostEstimate, stackContext("mvp")!.tier);
    expect(result).toEqual({ ok: true, message: expect.any(String) });
  });
});

import { planStack, type Plan } from "../../tools/plan/harness";
import type { CostEstimate } from "../../infra/lib/cost/types";
import { PLAN_TIMEOUT_MS } from "../support/plan";
import { GOLDEN_MONTHLY } from "./goldens";
import { price } from "./support";

// One plan per test file (the Pulumi runtime is global): v1 with only the primary's class changed.
let plan: Plan;
beforeAll(async () => {
  plan = await planStack("v1", { config: { "storyforge:dbInstanceClass": "db.m7g.4xlarge" } });
}, PLAN_TIMEOUT_MS);

it("a bigger RDS primary class moves v1's estimate by exactly the SKU difference, twice for Multi-AZ", () => {
  const cost = plan.outputs.cost as CostEstimate;
  const step = (price("rds-postgres/db.m7g.4xlarge") - price("rds-postgres/db.m7g.2xlarge")) * 730 * 2;
  for (const point of ["min", "expected", "max"] as const) {
    expect(Math.round((cost.monthly[point] - GOLDEN_MONTHLY.v1[point]) * 100) / 100).toBe(Math.round(step * 100) / 100);
  }
});

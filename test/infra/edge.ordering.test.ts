/**
 * Readiness gates are injected only into pods created while the controller's webhook runs and a TargetGroupBinding
 * refers to their Service: the explicit `dependsOn` that order the API after both, read from the plan's options.
 */
import { type Plan, planStack, type PlannedResource } from "../../tools/plan/harness";
import { PLAN_TIMEOUT_MS } from "../support/plan";

describe("v2: the API waits for what injects its readiness gates", () => {
  let plan: Plan;
  const named = (name: string): PlannedResource => {
    const found = plan.resources.filter((r) => r.name === name);
    if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
    return found[0];
  };
  beforeAll(async () => {
    plan = await planStack("v2");
  }, PLAN_TIMEOUT_MS);

  it("the API Deployment rolls out after its TargetGroupBinding and the Load Balancer Controller release (webhook)", () => {
    expect(named("workloads-api").options.dependsOn).toEqual(
      expect.arrayContaining(["workloads-api-binding", "addons-aws-load-balancer-controller"]),
    );
  });

  it("the TargetGroupBinding waits for the controller (CRD, webhooks) and its permission to register in the target group", () => {
    expect(named("workloads-api-binding").options.dependsOn).toEqual(
      expect.arrayContaining(["addons-aws-load-balancer-controller", "load-balancer-controller-registers"]),
    );
  });
});

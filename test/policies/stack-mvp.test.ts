import { describeStackPolicies } from "./stack-policies";

describeStackPolicies("mvp");

// mvp keeps T rules advisory: the program's mvp tier skips Multi-AZ (stacks/tiers.ts), and the pack reports it.
import { planStack } from "../../infra/plan/harness";
import { evaluatePolicies } from "../../policies/evaluate";
it("mvp reports the T rules it does not meet as advisory findings", async () => {
  const findings = evaluatePolicies(await planStack("mvp"), "mvp");
  expect(findings.find((f) => f.policy === "rds-primary-multi-az")).toMatchObject({ enforcement: "advisory", resource: "database-primary" });
}, 120_000);

/**
 * The integration that matters most: a stack planned offline by the real program (tools/plan/harness.ts) and run
 * through every rule of the pack, enforced as at the stack's tier. One stack per jest file (the Pulumi runtime
 * keeps global state), so each stack has a small file calling `describeStackPolicies`.
 */
import { packTargetOf, planStack, type Plan } from "../../tools/plan/harness";
import {
  evaluatePolicies,
  offlineIdOf,
  policyResources,
  stackPolicyConfig,
  type Finding,
} from "../../policies/evaluate";
import { dataTierGroups } from "../../policies/rules/network";
import { PLAN_TIMEOUT_MS } from "../support/plan";

/** Advisory findings the stack is expected to report (T rules a small tier does not meet, by design). */
export interface Expected {
  advisory?: ReadonlyArray<{ policy: string; resource: string }>;
}

export function describeStackPolicies(stack: string, expected: Expected = {}): void {
  // As the pack does under the CLI: the stack file's storyforge:tier, not the stack's name.
  const tier = packTargetOf(stack, { env: undefined });

  describe(`stack ${stack} through every policy (offline plan, tier ${tier})`, () => {
    let plan: Plan;
    let findings: Finding[];
    beforeAll(async () => {
      plan = await planStack(stack);
      // Waivers the stack's policy config file records (policies/config.<stack>.json), as the CLI would apply them.
      findings = evaluatePolicies(plan, tier, { config: stackPolicyConfig(stack) });
    }, PLAN_TIMEOUT_MS);

    it("has no mandatory violation", () => {
      expect(findings.filter((f) => f.enforcement === "mandatory").map((f) => `${f.policy}: ${f.message}`)).toEqual([]);
    });

    for (const { policy, resource } of expected.advisory ?? []) {
      it(`reports ${policy} on ${resource} as advisory`, () => {
        expect(findings.find((f) => f.policy === policy && f.resource === resource)).toMatchObject({
          enforcement: "advisory",
        });
      });
    }

    it("links the data tier's security groups, so the SG-only ingress rule is not passing vacuously", () => {
      const groups = dataTierGroups(policyResources(plan.stack, plan.resources, offlineIdOf)).map((g) => g.name);
      expect(groups.length).toBeGreaterThanOrEqual(2);
    });

    it("fails an unencrypted read replica with a mandatory finding naming it", () => {
      const broken: Plan = {
        ...plan,
        resources: plan.resources.map((r) =>
          r.type === "aws:rds/instance:Instance" && typeof r.inputs.replicateSourceDb === "string"
            ? { ...r, inputs: { ...r.inputs, storageEncrypted: false, kmsKeyId: undefined } }
            : r,
        ),
      };
      const replicas = plan.resources.filter(
        (r) => r.type === "aws:rds/instance:Instance" && typeof r.inputs.replicateSourceDb === "string",
      );
      expect(replicas.length).toBeGreaterThan(0);
      const found = evaluatePolicies(broken, tier).filter((f) => f.policy === "rds-storage-encrypted");
      expect(found.map((f) => [f.enforcement, f.resource])).toEqual(replicas.map((r) => ["mandatory", r.name]));
      expect(found[0]?.message).toContain(`rds.Instance "${replicas[0]?.name}": storage is not encrypted`);
    });
  });
}

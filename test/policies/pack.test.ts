import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  evaluatePolicies,
  policyResources,
  resourceValidationArgs,
  stackPolicyConfig,
  stackValidationArgs,
} from "../../policies/evaluate";
import { buildPolicies } from "../../policies/pack";
import { ALL_RULES } from "../../policies/rules";
import { enforcementFor, resolvePackTier, tierFromStackName } from "../../policies/tier";
import { rdsPrimary, T } from "./fixtures";
import { mutate } from "./support";

describe("tier-aware enforcement", () => {
  it.each([
    ["M", "mvp", "mandatory"],
    ["M", "preview", "mandatory"],
    ["T", "mvp", "advisory"],
    ["T", "preview", "advisory"],
    ["T", "v1", "mandatory"],
    ["T", "v2", "mandatory"],
    ["A", "v2", "advisory"],
  ] as const)("a %s rule is %s at %s", (level, tier, expected) => {
    expect(enforcementFor(level, tier)).toBe(expected);
  });

  it("reads the tier from the stack name, with preview-* and pr-* as preview stacks", () => {
    expect(["mvp", "v1", "v2", "preview-feature-x", "pr-42", "dev"].map(tierFromStackName)).toEqual([
      "mvp",
      "v1",
      "v2",
      "preview",
      "preview",
      undefined,
    ]);
  });
  it("lets STORYFORGE_POLICY_TIER override the stack", () => {
    expect(resolvePackTier({ env: "v2", stack: "pr-42" })).toBe("v2");
  });
  it("refuses a stack that is not a tier, naming it and the override", () => {
    expect(() => resolvePackTier({ env: undefined, stack: "dev" })).toThrow(
      /stack "dev" is not a tier.*STORYFORGE_POLICY_TIER/,
    );
    expect(() => resolvePackTier({ env: "prod", stack: "v1" })).toThrow(
      /STORYFORGE_POLICY_TIER must be one of .*got "prod"/,
    );
  });
});

describe("the pack's policies (built without constructing the PolicyPack)", () => {
  it("has one uniquely named policy per rule, at least the issue's 40", () => {
    const names = buildPolicies("v1").map((p) => p.name);
    expect(new Set(names).size).toBe(ALL_RULES.length);
    expect(names.length).toBeGreaterThanOrEqual(40);
  });
  it("makes T rules advisory for mvp and mandatory for v1", () => {
    const level = (tier: "mvp" | "v1") =>
      buildPolicies(tier).find((p) => p.name === "rds-primary-multi-az")?.enforcementLevel;
    expect([level("mvp"), level("v1")]).toEqual(["advisory", "mandatory"]);
  });
  it("hands the pack's tier to handlers, so thresholds follow the same tier as the levels", () => {
    const policy = buildPolicies("v2").find((p) => p.name === "rds-backup-retention") as ResourceValidationPolicy;
    const fourteen = mutate(rdsPrimary, (p) => (p.backupRetentionPeriod = 14));
    const found: string[] = [];
    // The URN says v1 (14 days is enough there), but the pack was built for v2 (30 days).
    const validate = policy.validateResource as (a: unknown, r: (m: string) => void) => void;
    validate(resourceValidationArgs("v1", { type: T.rds, name: "db", props: fourteen }), (m) => found.push(m));
    expect(found).toEqual([expect.stringMatching(/tier v2 requires at least 30/)]);
  });
  it("lets a policy config waive a resource by name, with a reason", () => {
    const policy = buildPolicies("v1").find((p) => p.name === "rds-deletion-protection") as ResourceValidationPolicy;
    const unprotected = mutate(rdsPrimary, (p) => (p.deletionProtection = false));
    const run = (exempt: unknown[]) => {
      const found: string[] = [];
      const validate = policy.validateResource as (a: unknown, r: (m: string) => void) => void;
      validate(
        resourceValidationArgs("v1", { type: T.rds, name: "db", props: unprotected }, { exempt: exempt as never }),
        (m) => found.push(m),
      );
      return found;
    };
    expect(run([])).toHaveLength(1);
    expect(run([{ resource: "db", reason: "scratch database for the load test, deleted on Friday" }])).toEqual([]);
  });
  it("runs stack policies with the pack's tier too", async () => {
    const policy = buildPolicies("v2").find((p) => p.name === "autoscaler-min-max") as StackValidationPolicy;
    const hpa = {
      metadata: { name: "api" },
      spec: { scaleTargetRef: { kind: "Deployment", name: "api" }, minReplicas: 2, maxReplicas: 10 },
    };
    const found: string[] = [];
    await policy.validateStack(
      stackValidationArgs(policyResources("v1", [{ type: T.hpa, name: "api-hpa", inputs: hpa }])),
      (m) => found.push(m),
    );
    expect(found).toEqual([expect.stringMatching(/tier v2 requires at least 3/)]);
  });
});

describe("stack policy config files", () => {
  it("reads waivers from policies/config.<stack>.json and refuses unknown policy names", () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-config-"));
    const exempt = [{ resource: "db", reason: "test" }];
    writeFileSync(
      join(dir, "config.v1.json"),
      JSON.stringify({ "rds-deletion-protection": { exempt }, "rds-monitoring": "disabled" }),
    );
    expect(stackPolicyConfig("v1", dir)).toEqual({ "rds-deletion-protection": { exempt }, "rds-monitoring": {} });
    expect(stackPolicyConfig("v2", dir)).toEqual({});
    const plan = {
      stack: "v1",
      resources: [{ type: T.rds, name: "db", inputs: mutate(rdsPrimary, (p) => (p.deletionProtection = false)) }],
    };
    expect(
      evaluatePolicies(plan, "v1", { config: stackPolicyConfig("v1", dir) }).filter(
        (f) => f.policy === "rds-deletion-protection",
      ),
    ).toEqual([]);
    expect(evaluatePolicies(plan, "v1").filter((f) => f.policy === "rds-deletion-protection")).toHaveLength(1);
    expect(() => evaluatePolicies(plan, "v1", { config: { "rds-deletion-protecton": {} } })).toThrow(
      /unknown policy "rds-deletion-protecton"/,
    );
  });
});

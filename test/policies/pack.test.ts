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
import { buildPolicies, rulesFor } from "../../policies/pack";
import { ALL_RULES } from "../../policies/rules";
import { enforcementFor, resolvePackTarget, ruleTarget } from "../../policies/tier";
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
});

describe("what the pack checks a stack as (policies/tier.ts)", () => {
  const tierStack = (configTier: unknown, env?: string, stack = "staging") =>
    resolvePackTarget({ project: "storyforge", stack, configTier, env });

  it("a tier stack is checked as the tier its config names, whatever the stack is called", () => {
    expect(tierStack("v1")).toBe("v1");
    expect(tierStack("mvp", undefined, "v2")).toBe("mvp");
  });
  it("STORYFORGE_POLICY_TIER may confirm or raise the config's tier", () => {
    expect(tierStack("v1", "v1")).toBe("v1");
    expect(tierStack("v1", "v2")).toBe("v2");
    expect(tierStack("v1", "")).toBe("v1");
  });
  it("STORYFORGE_POLICY_TIER never lowers it, and names only a tier", () => {
    expect(() => tierStack("v1", "mvp")).toThrow(
      'STORYFORGE_POLICY_TIER=mvp would check stack "staging" below its storyforge:tier v1; it may only confirm or raise the tier',
    );
    expect(() => tierStack("v1", "prod")).toThrow('STORYFORGE_POLICY_TIER must be one of mvp, v1, v2, got "prod"');
  });
  it("a tier stack without a tier, or with an unknown one, is refused naming the stack and the key", () => {
    expect(() => tierStack(undefined)).toThrow(
      'stack "staging" has no storyforge:tier in its config (Pulumi.staging.yaml): the policy pack checks a stack as the tier its config names (mvp, v1, v2)',
    );
    expect(() => tierStack("v3")).toThrow('stack "staging": storyforge:tier must be one of mvp, v1, v2, got "v3"');
    expect(() => tierStack("preview")).toThrow('storyforge:tier must be one of mvp, v1, v2, got "preview"');
  });
  it("a stack of the previews project is checked by the preview rule set, with no override", () => {
    expect(
      resolvePackTarget({ project: "storyforge-preview", stack: "preview-x", configTier: undefined, env: undefined }),
    ).toBe("preview");
    expect(() =>
      resolvePackTarget({ project: "storyforge-preview", stack: "preview-x", configTier: undefined, env: "v1" }),
    ).toThrow(/preview \(project storyforge-preview\), checked by the preview rule set, not as a tier/);
  });
  it("a stack of another project is refused", () => {
    expect(() => resolvePackTarget({ project: "other", stack: "v1", configTier: "v1", env: undefined })).toThrow(
      'the StoryForge policy pack checks stacks of the projects storyforge and storyforge-preview, got project "other"',
    );
  });
  it("a per-policy tier in policy config may raise the stack's tier for that policy, never lower it", () => {
    expect(ruleTarget("v1", undefined, "p")).toBe("v1");
    expect(ruleTarget("v1", "v2", "p")).toBe("v2");
    expect(() => ruleTarget("v2", "mvp", "p")).toThrow(/policy p: config "tier" mvp would check a stack checked as v2/);
    expect(() => ruleTarget("preview", "v1", "p")).toThrow(/may only confirm or raise/);
    expect(() => ruleTarget("v1", "preview", "p")).toThrow(/may only confirm or raise/);
  });
});

describe("the preview rule set", () => {
  it("is every rule except those that size a tier (capacity, budget, replica floors, backup days) or ask for its alarms", () => {
    const left = ALL_RULES.filter((r) => !rulesFor("preview").includes(r)).map((r) => r.name);
    expect(left.sort()).toEqual([
      "alarm-on-api-error-rate",
      "alarms-on-data-services",
      "autoscaler-min-max",
      "capacity-adds-up",
      "capacity-connection-budget",
      "cost-within-budget",
      "k8s-min-replicas",
      "rds-backup-retention",
      "stack-budget-within-tier-ceiling",
      "tier-consistent",
    ]);
    expect(rulesFor("mvp")).toEqual(ALL_RULES);
    expect(buildPolicies("preview").map((p) => p.name)).not.toContain("capacity-adds-up");
  });
});

describe("the pack's policies (built without constructing the PolicyPack)", () => {
  it("has one uniquely named policy per rule, at least issue 13's 75", () => {
    const names = buildPolicies("v1").map((p) => p.name);
    expect(new Set(names).size).toBe(ALL_RULES.length);
    expect(names.length).toBeGreaterThanOrEqual(75);
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
    expect(
      run([
        {
          resource: "db",
          check: "rds-deletion-protection",
          reason: "scratch database for the load test, deleted on Friday",
          expires: "2099-12-31",
        },
      ]),
    ).toEqual([]);
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
    const exempt = [
      { resource: "db", check: "rds-deletion-protection", reason: "test database", expires: "2099-12-31" },
    ];
    writeFileSync(join(dir, "config.v1.json"), JSON.stringify({ "rds-deletion-protection": { exempt } }));
    expect(stackPolicyConfig("v1", dir)).toEqual({ "rds-deletion-protection": { exempt } });
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

describe("policy config files hold waivers only", () => {
  it.each([
    ["a bare enforcement level", { "rds-monitoring": "disabled" }],
    ["an enforcementLevel", { "rds-monitoring": { enforcementLevel: "advisory" } }],
    ['"all"', { all: { exempt: [] } }],
  ])("refuses %s, naming the file and the policy", (_label, content) => {
    const dir = mkdtempSync(join(tmpdir(), "policy-config-"));
    writeFileSync(join(dir, "config.v1.json"), JSON.stringify(content));
    const policy = Object.keys(content)[0];
    expect(() => stackPolicyConfig("v1", dir)).toThrow(
      new RegExp(`config\\.v1\\.json: "${policy}" must be \\{"exempt": \\[\\.\\.\\.\\]\\} \\(waivers only`),
    );
  });
});

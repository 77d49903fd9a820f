/**
 * The tier comes from the stack's config everywhere (issue 10 §5): a stack named `staging` whose file says
 * `storyforge:tier: v1` plans, prices and passes the policy pack as v1, and the pack process itself (started as the
 * policy host starts it, with the stack config in PULUMI_CONFIG) enforces v1's levels.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TIERS } from "../../stacks/tiers";
import { PLAN_TIMEOUT_MS } from "../support/plan";

const ROOT = join(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
/** A custom domain so that v1's one waiver (policies/config.v1.json, for the default certificate) is not needed. */
const DOMAIN = [
  "  storyforge:domainName: app.example.com",
  "  storyforge:certificateArn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
  // An override the cost estimate must honour: only the stack file has it.
  "  storyforge:usageCdnEgressGb: 12345",
];

// The plan and the cost estimate run the program under the CLI's loader: minutes on a loaded machine.
function run(args: string[], env: Record<string, string | undefined>, timeout = 120_000) {
  const result = spawnSync(TSX, args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, STORYFORGE_POLICY_TIER: undefined, ...env },
    maxBuffer: 64 * 1024 * 1024,
    timeout,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("a stack named staging with storyforge:tier: v1", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "storyforge-staging-"));
    const v1 = readFileSync(join(ROOT, "Pulumi.v1.yaml"), "utf8").trimEnd();
    writeFileSync(join(dir, "Pulumi.staging.yaml"), `${v1}\n${DOMAIN.join("\n")}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    "plans as v1 and passes the pack's v1 rules (npm run plan)",
    () => {
      const { code, stdout, stderr } = run(
        ["tools/plan/cli.ts", "--stack", "staging", "--json"],
        { STORYFORGE_STACK_DIR: dir },
        PLAN_TIMEOUT_MS,
      );
      // The stack has no waiver file of its own: it is checked with its tier's reviewed waivers (policies/config.v1.json), so
      // the node exporter's waived host access is not a finding here either.
      expect(stderr.split("\n").filter((l) => l.includes("[mandatory]"))).toEqual([]);
      expect(code).toBe(0);
      const plan = JSON.parse(stdout);
      expect(plan.outputs.tier).toBe("v1");
      const primary = plan.resources.find(
        (r: any) => r.type === "aws:rds/instance:Instance" && r.inputs.replicateSourceDb === undefined,
      );
      expect(primary.inputs.instanceClass).toBe(TIERS.v1.database.primary.instanceClass);
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    "is priced with v1's usage and the stack file's overrides (npm run cost)",
    () => {
      const { code, stdout, stderr } = run(
        ["tools/cost/cli.ts", "--stack", "staging", "--json"],
        { STORYFORGE_STACK_DIR: dir },
        PLAN_TIMEOUT_MS,
      );
      expect([code, stderr]).toEqual([0, ""]);
      const estimate = JSON.parse(stdout);
      expect(estimate.assumptions.usage).toEqual({ ...TIERS.v1.usage, cdnEgressGb: 12345 });
    },
    PLAN_TIMEOUT_MS,
  );

  describe("the policy pack, started as the policy host starts it", () => {
    const pack = (config: Record<string, string>, env: Record<string, string> = {}) =>
      run([join("test", "policies", "serve-recorder.ts")], {
        PULUMI_CONFIG: JSON.stringify(config),
        PULUMI_NODEJS_STACK: "staging",
        PULUMI_NODEJS_PROJECT: "storyforge",
        ...env,
      });

    it("enforces v1: T rules mandatory", () => {
      const { code, stdout, stderr } = pack({ "storyforge:tier": "v1" });
      expect([code, stderr]).toEqual([0, ""]);
      const served = JSON.parse(stdout);
      expect(served.description).toContain("enforced for tier v1");
      expect(served.levels["rds-primary-multi-az"]).toBe("mandatory");
    }, 60_000);

    it("the same stack configured as mvp gets mvp's levels", () => {
      const served = JSON.parse(pack({ "storyforge:tier": "mvp" }).stdout);
      expect(served.levels["rds-primary-multi-az"]).toBe("advisory");
    }, 60_000);

    it("STORYFORGE_POLICY_TIER may raise the tier but not lower it", () => {
      expect(
        JSON.parse(pack({ "storyforge:tier": "mvp" }, { STORYFORGE_POLICY_TIER: "v2" }).stdout).description,
      ).toContain("tier v2");
      const lowered = pack({ "storyforge:tier": "v1" }, { STORYFORGE_POLICY_TIER: "mvp" });
      expect(lowered.code).not.toBe(0);
      expect(lowered.stderr).toContain(
        'STORYFORGE_POLICY_TIER=mvp would check stack "staging" below its storyforge:tier v1',
      );
    }, 60_000);

    it("a stack with no tier in its config is refused, naming the key", () => {
      const { code, stderr } = pack({ "aws:region": "us-east-1" });
      expect(code).not.toBe(0);
      expect(stderr).toContain('stack "staging" has no storyforge:tier in its config');
    }, 60_000);

    it("a stack of the previews project gets the preview rule set", () => {
      const served = JSON.parse(
        pack(
          { "storyforge-preview:baseStack": "organization/storyforge/v1" },
          { PULUMI_NODEJS_PROJECT: "storyforge-preview" },
        ).stdout,
      );
      expect(served.description).toContain("a preview stack");
      expect(served.levels["capacity-adds-up"]).toBeUndefined();
      expect(served.levels["k8s-container-security-context"]).toBe("mandatory");
    }, 60_000);
  });
});

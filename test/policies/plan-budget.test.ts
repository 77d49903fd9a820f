/**
 * A stack file cannot raise its own budget above its tier's ceiling (issue 13 §3): `npm run plan` hands the pack's
 * rules the stack file's config, as the CLI hands the pack PULUMI_CONFIG, and stack-budget-within-tier-ceiling fails
 * the plan (exit 4) unless a dated waiver covers it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PLAN_TIMEOUT_MS } from "../support/plan";
import { TIERS } from "../../stacks/tiers";

const ROOT = join(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
/** A custom domain, so the stack needs none of v1's waivers (it has no policies/config.<stack>.json). */
const DOMAIN = [
  "  storyforge:domainName: app.example.com",
  "  storyforge:certificateArn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
];

describe("a v1 stack file that sets storyforge:monthlyBudgetUsd above v1's ceiling", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "storyforge-budget-"));
    const v1 = readFileSync(join(ROOT, "Pulumi.v1.yaml"), "utf8").trimEnd();
    writeFileSync(join(dir, "Pulumi.rich.yaml"), `${v1}\n${DOMAIN.join("\n")}\n  storyforge:monthlyBudgetUsd: 40000\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    "fails npm run plan with a mandatory stack-budget-within-tier-ceiling finding naming the key and the ceiling",
    () => {
      const result = spawnSync(TSX, ["tools/plan/cli.ts", "--stack", "rich"], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, STORYFORGE_POLICY_TIER: undefined, STORYFORGE_STACK_DIR: dir },
        maxBuffer: 64 * 1024 * 1024,
        timeout: PLAN_TIMEOUT_MS,
      });
      expect(result.status).toBe(4);
      // The budget is the only finding: a stack named rich has no waiver file of its own and reads tier v1's.
      const mandatory = result.stderr.split("\n").filter((l) => l.includes("[mandatory]"));
      expect(mandatory).toHaveLength(1);
      expect(result.stderr).toContain(
        `[mandatory] stack-budget-within-tier-ceiling: storyforge:monthlyBudgetUsd 40000 is above tier v1's ceiling ${TIERS.v1.budget.monthlyCeilingUsd}`,
      );
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    "is refused by the pack itself under the CLI, which reads the budget from PULUMI_CONFIG",
    () => {
      const pack = (budget: string) => {
        const result = spawnSync(TSX, [join("test", "policies", "serve-stack-recorder.ts")], {
          cwd: ROOT,
          encoding: "utf8",
          env: {
            ...process.env,
            STORYFORGE_POLICY_TIER: undefined,
            PULUMI_CONFIG: JSON.stringify({ "storyforge:tier": "v1", "storyforge:monthlyBudgetUsd": budget }),
            PULUMI_NODEJS_STACK: "rich",
            PULUMI_NODEJS_PROJECT: "storyforge",
          },
          timeout: 60_000,
        });
        expect([result.status, result.stderr]).toEqual([0, ""]);
        return JSON.parse(result.stdout) as Record<string, string[]>;
      };
      expect(pack("40000")["stack-budget-within-tier-ceiling"]).toEqual([
        expect.stringMatching(/storyforge:monthlyBudgetUsd 40000 is above tier v1's ceiling/),
      ]);
      expect(pack(String(TIERS.v1.budget.monthlyCeilingUsd))["stack-budget-within-tier-ceiling"]).toBeUndefined();
    },
    PLAN_TIMEOUT_MS,
  );
});

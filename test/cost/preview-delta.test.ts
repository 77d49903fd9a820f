/**
 * `--from <pulumi preview --json>`: every step priced as a delta, and no budget verdict on a partial plan. The
 * fixtures are the same v1 change (Multi-AZ switched on, the API node group replaced by a bigger class, a NAT
 * gateway deleted, a cache created) as `pulumi preview --json` prints it without and with `--show-sames`.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { computeDiff } from "../../tools/cost/diff";
import { checkGuardrail } from "../../tools/cost/guardrail";
import { priceSides, readPreviewPlan } from "../../tools/cost/plan-delta";
import { TIERS } from "../../stacks/tiers";
import { price } from "./support";

const ROOT = join(__dirname, "..", "..");
const FIXTURES = join(__dirname, "fixtures");
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));

function cost(args: string[]) {
  const r = spawnSync(join(ROOT, "node_modules", ".bin", "tsx"), ["tools/cost/cli.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function deltas(name: string) {
  const plan = readPreviewPlan(fixture(name));
  const sides = priceSides(plan, TIERS.v1.usage, { region: "us-east-1" });
  const partial = plan.partial.length > 0 ? sides.notes : undefined;
  return { plan, diff: computeDiff(sides.before, sides.after, { steps: plan.steps, partial }) };
}

const rowsOf = (diff: ReturnType<typeof computeDiff>) =>
  diff.rows.map((r) => [r.step, (r.to ?? r.from)!.resource, (r.to ?? r.from)!.item, r.mark, r.delta.expected]);

describe("a partial preview (unchanged resources not listed)", () => {
  const { plan, diff } = deltas("preview-partial.json");

  it("prices the create, update, replace and delete as deltas, the delete included", () => {
    expect(Object.fromEntries(plan.steps)).toEqual({
      "database-primary": "update",
      "cluster-api": "replace",
      "network-nat-3": "delete",
      "cache-redis": "create",
    });
    expect(rowsOf(diff)).toEqual([
      ["create", "cache-redis", "node-hours", "+", 3 * 730 * price("elasticache-redis/cache.m7g.xlarge")],
      ["replace", "cluster-api", "node-hours", "~", 529.25],
      ["update", "database-primary", "instance-hours", "~", 490.56],
      ["update", "database-primary", "storage", "~", 115],
      ["delete", "network-nat-3", "vpc/nat-gateway", "-", -730 * price("vpc/nat-gateway")],
    ]);
    expect(diff.rows.find((r) => r.step === "update")!.attributes).toEqual([
      { name: "multiAz", from: false, to: true },
    ]);
  });

  it("says why it is partial, leaves the totals out and prices no stack-wide usage on a guessed carrier", () => {
    expect(plan.partial).toEqual([expect.stringContaining("lists 0 of its 3 unchanged resources")]);
    expect(diff.before.monthly).toBeNull();
    expect(diff.after.monthly).toBeNull();
    expect(diff.rows.map((r) => (r.to ?? r.from)!.sku)).not.toContain("vpc/nat-gateway-data");
    expect(diff.notes.join("\n")).toMatch(/usage-priced lines left out .*network-nat-3 vpc\/nat-gateway-data/);
    const sum = diff.rows.reduce((t, r) => t + r.delta.expected, 0);
    expect(diff.change.expected).toBeCloseTo(sum, 2);
  });

  it("gives no budget verdict, and a percentage guardrail fails closed", () => {
    const out = cost(["--from", join(FIXTURES, "preview-partial.json")]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("**Budget:** no verdict — the plan is partial");
    expect(out.stdout).not.toMatch(/Budget:\*\* (OK|OVER)/);
    expect(out.stdout).toContain("Partial plan: only the change is known");
    expect(checkGuardrail(diff, { maxIncreasePercent: 50 })).toEqual({
      ok: false,
      message: expect.stringContaining("cannot be checked on a partial plan"),
    });
  });
});

describe("a whole preview (--show-sames)", () => {
  const { plan, diff } = deltas("preview-full.json");

  it("has the same step deltas, before and after totals, and a budget verdict", () => {
    expect(plan.partial).toEqual([]);
    expect(rowsOf(diff)).toEqual(rowsOf(deltas("preview-partial.json").diff));
    expect(diff.before.monthly).not.toBeNull();
    expect(diff.change.expected).toBeCloseTo(diff.after.monthly!.expected - diff.before.monthly!.expected, 2);
    const out = cost(["--from", join(FIXTURES, "preview-full.json"), "--format", "github"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/\*\*Budget:\*\* OK — v1: expected \$[\d,.]+\/month is within the \$15,000\.00 budget/);
    expect(out.stdout).toMatch(/\| - \| delete \| Network \| network-nat-3 \| NAT gateway hours \|/);
  });

  it("the guardrail exits 4 when the change adds more than the limit, and passes under it", () => {
    const over = cost(["--from", join(FIXTURES, "preview-full.json"), "--fail-above-usd", "1000"]);
    expect(over.code).toBe(4);
    expect(over.stderr).toMatch(
      /cost guardrail failed: expected \+\$1,791\.81\/month against a limit of \+\$1,000\.00/,
    );
    const under = cost(["--from", join(FIXTURES, "preview-full.json"), "--fail-above-percent", "150"]);
    expect(under.code).toBe(0);
    expect(under.stdout).toMatch(/\*\*Guardrail:\*\* passed — expected \+120\.2% against a limit of \+150%/);
  });

  it("a bad guardrail value is refused, naming the flag", () => {
    const bad = cost(["--from", join(FIXTURES, "preview-full.json"), "--fail-above-usd", "lots"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--fail-above-usd must be a number >= 0, got "lots"');
  });
});

describe("what makes a preview partial", () => {
  const full = fixture("preview-full.json") as Record<string, unknown>;

  it("an error diagnostic, a possibly corrupt state, or a step without its state", () => {
    const withError = { ...full, diagnostics: [{ severity: "error", message: "creating EKS Node Group: boom\n..." }] };
    expect(readPreviewPlan(withError).partial).toEqual([expect.stringContaining("1 error(s)")]);
    expect(readPreviewPlan({ ...full, maybeCorrupt: true }).partial).toEqual([expect.stringContaining("corrupt")]);
    const steps = (full.steps as Array<Record<string, unknown>>).map((s) =>
      s.op === "update" ? { ...s, oldState: undefined } : s,
    );
    expect(readPreviewPlan({ ...full, steps }).partial).toEqual([
      "steps without the state to price them: update database-primary",
    ]);
  });
});

/**
 * `npm run cost`: the cost review offline.
 *   npm run cost -- --stack v1 [--json]            the stack's estimate as a table grouped by component (or JSON)
 *   npm run cost -- --diff mvp v1                   Markdown diff of two stacks' estimates, ready for a pull request
 *   npm run cost -- --diff a.json b.json            ... of two plan / estimate / preview / export JSON files
 *   npm run cost -- --from preview.json [--tier v1] a real `pulumi preview --json` priced as deltas per step
 *   npm run cost -- --from export.json              a `pulumi stack export` (or plan, or estimate) priced whole
 *   npm run cost -- --chart out.svg [mvp v1 v2]     an SVG chart of the stacks side by side (total, each component)
 * --diff and --from take --format markdown|github|gitlab|json (github / gitlab: a pull-request comment body) and
 * the guardrail --fail-above-usd N / --fail-above-percent P (exit 4 when the change adds more).
 * Stacks are planned by the plan harness (the program run as the Pulumi CLI runs it, cached under .tmp/plans/).
 * Exit codes: 0 printed, 1 a plan or a file failed, 2 bad command line, 4 guardrail failed.
 */
import { existsSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { checkBudget } from "../../infra/lib/cost/budget";
import { renderCostChart } from "./chart";
import { type CostDiff, computeDiff } from "./diff";
import { type GuardrailLimits, type GuardrailResult, checkGuardrail } from "./guardrail";
import { type RenderOptions, renderDiff } from "./markdown";
import { isPreviewDocument, priceSides, readPreviewPlan } from "./plan-delta";
import { renderEstimate } from "./render";
import { loadProfile } from "../../infra/lib/cost/load";
import { type Priced, SourceError, priceDocument, readJsonFile, tierNamed } from "./sources";
import { planStack } from "../plan/harness";

const USAGE = [
  "usage: npm run cost -- --stack <stack> [--json]",
  "       npm run cost -- --diff <stack|file> <stack|file> [--format markdown|github|gitlab|json] [guardrail]",
  "       npm run cost -- --from <preview.json> [--tier mvp|v1|v2] [--format ...] [guardrail]",
  "       npm run cost -- --from <export.json> [--tier mvp|v1|v2] [--json]",
  "       npm run cost -- --chart <out.svg> [stack ...]   (default: mvp v1 v2)",
  "guardrail: --fail-above-usd <USD per month> and/or --fail-above-percent <percent of the before total>",
].join("\n");

const FORMATS = ["markdown", "github", "gitlab", "json"] as const;
type Format = (typeof FORMATS)[number];

class UsageError extends Error {}

/** The offline plan of `stack` (tools/plan/harness.ts: the program under the CLI's runner, cached). */
export async function planOf(stack: string): Promise<unknown> {
  try {
    return await planStack(stack);
  } catch (err) {
    throw new SourceError(`plan of stack "${stack}" failed:\n${(err as Error).message}`);
  }
}

/** A diff operand is a file when it exists on disk (or ends in .json), otherwise a stack name. */
async function operand(value: string, tier: string | undefined): Promise<Priced> {
  if (value.endsWith(".json") || existsSync(value)) return priceDocument(readJsonFile(value), { label: value, tier });
  return priceDocument(await planOf(value), { label: `stack ${value}`, tier });
}

function limit(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0)
    throw new UsageError(`${flag} must be a number >= 0, got ${JSON.stringify(value)}`);
  return n;
}

/** Prints a diff in the chosen format with its guardrail; exit 4 when the guardrail fails. */
function emit(diff: CostDiff, format: Format, limits: GuardrailLimits, budget?: RenderOptions["budget"]): number {
  const guardrail: GuardrailResult | undefined =
    limits.maxIncreaseUsd !== undefined || limits.maxIncreasePercent !== undefined
      ? checkGuardrail(diff, limits)
      : undefined;
  if (format === "json") process.stdout.write(`${JSON.stringify({ ...diff, budget, guardrail }, null, 2)}\n`);
  else process.stdout.write(`${renderDiff(diff, { format: format, budget, guardrail })}\n`);
  if (guardrail !== undefined && !guardrail.ok) {
    process.stderr.write(`cost guardrail failed: ${guardrail.message}\n`);
    return 4;
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        stack: { type: "string" },
        diff: { type: "string" },
        from: { type: "string" },
        chart: { type: "string" },
        tier: { type: "string" },
        json: { type: "boolean", default: false },
        format: { type: "string" },
        "fail-above-usd": { type: "string" },
        "fail-above-percent": { type: "string" },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  try {
    const modes = [values.stack, values.diff, values.from, values.chart].filter((v) => v !== undefined).length;
    if (modes !== 1) throw new UsageError("give exactly one of --stack, --diff, --from, --chart");
    if (values.chart !== undefined) {
      const stacks = positionals.length > 0 ? positionals : ["mvp", "v1", "v2"];
      const series = await Promise.all(
        stacks.map(async (name) => ({ name, estimate: (await operand(name, values.tier)).estimate })),
      );
      writeFileSync(values.chart, `${renderCostChart(series)}\n`);
      process.stdout.write(`cost chart of ${stacks.join(", ")} written to ${values.chart}\n`);
      return 0;
    }
    if (values.format !== undefined && !(FORMATS as readonly string[]).includes(values.format))
      throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got ${JSON.stringify(values.format)}`);
    const format: Format = values.json ? "json" : ((values.format as Format | undefined) ?? "markdown");
    const limits: GuardrailLimits = {
      maxIncreaseUsd: limit(values["fail-above-usd"], "--fail-above-usd"),
      maxIncreasePercent: limit(values["fail-above-percent"], "--fail-above-percent"),
    };
    const guarded = limits.maxIncreaseUsd !== undefined || limits.maxIncreasePercent !== undefined;
    if (values.diff !== undefined) {
      if (positionals.length !== 1) throw new UsageError(`--diff takes two operands, got ${1 + positionals.length}`);
      const [a, b] = await Promise.all([operand(values.diff, values.tier), operand(positionals[0], values.tier)]);
      const diff = computeDiff(a.estimate, b.estimate, { before: values.diff, after: positionals[0] });
      return emit(diff, format, limits);
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    if (values.from !== undefined) {
      const doc = readJsonFile(values.from);
      if (isPreviewDocument(doc)) {
        const configTier = (doc as { config?: Record<string, unknown> }).config?.["storyforge:tier"];
        if (values.tier === undefined && configTier === undefined)
          throw new SourceError(
            `${values.from}: cannot tell which tier's usage assumptions to use; pass --tier mvp|v1|v2`,
          );
        const tier = tierNamed(
          values.tier ?? configTier,
          values.tier !== undefined ? "--tier" : `${values.from}: config storyforge:tier`,
        );
        const plan = readPreviewPlan(doc);
        const region = (doc as { config?: Record<string, unknown> }).config?.["aws:region"];
        const sides = priceSides(plan, tier.usage, {
          load: loadProfile(tier),
          ...(typeof region === "string" ? { region } : {}),
        });
        const diff = computeDiff(sides.before, sides.after, {
          before: "before",
          after: "after this preview",
          steps: plan.steps,
          partial: sides.notes.length > 0 && plan.partial.length > 0 ? sides.notes : undefined,
        });
        const budget: RenderOptions["budget"] =
          plan.partial.length > 0
            ? { skipped: "the plan is partial, so the stack's total after it is unknown" }
            : checkBudget(sides.after, tier);
        return emit(diff, format, limits, budget);
      }
    }
    if (guarded || values.format !== undefined)
      throw new UsageError("--format and the guardrail apply to --diff and to --from <pulumi preview --json>");
    const priced =
      values.stack !== undefined
        ? priceDocument(await planOf(values.stack), { label: `stack ${values.stack}`, tier: values.tier })
        : priceDocument(readJsonFile(values.from!), { label: values.from!, tier: values.tier });
    process.stdout.write(
      values.json
        ? `${JSON.stringify(priced.estimate, null, 2)}\n`
        : `${renderEstimate(priced.estimate, priced.tier)}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(
      `${err instanceof Error && err.name !== "Error" ? err.message : String((err as Error).stack ?? err)}\n`,
    );
    return 1;
  }
}

// Exit only once stdout has drained: large --json output written to a pipe is cut short by an immediate exit.
if (require.main === module)
  void main(process.argv.slice(2)).then((code) => process.stdout.write("", () => process.exit(code)));

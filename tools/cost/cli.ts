/**
 * `npm run cost`: the cost review offline.
 *   npm run cost -- --stack v1 [--json]            the stack's estimate as a table grouped by component (or JSON)
 *   npm run cost -- --diff mvp v1                   Markdown diff of two stacks' estimates, ready for a pull request
 *   npm run cost -- --diff a.json b.json            ... of two plan / estimate / preview / export JSON files
 *   npm run cost -- --from preview.json [--tier v1] price a real `pulumi preview --json` or `pulumi stack export`
 * Stacks are planned by the plan harness (the program run as the Pulumi CLI runs it, cached under .tmp/plans/).
 * Exit codes: 0 printed, 1 a plan or a file failed, 2 bad command line.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { diffEstimates } from "./diff";
import { renderEstimate } from "./render";
import { type Priced, SourceError, priceDocument, readJsonFile } from "./sources";
import { planStack } from "../plan/harness";

const USAGE = [
  "usage: npm run cost -- --stack <stack> [--json]",
  "       npm run cost -- --diff <stack|file> <stack|file>",
  "       npm run cost -- --from <preview-or-export.json> [--tier mvp|v1|v2] [--json]",
].join("\n");

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
        tier: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  try {
    const modes = [values.stack, values.diff, values.from].filter((v) => v !== undefined).length;
    if (modes !== 1) throw new UsageError("give exactly one of --stack, --diff, --from");
    if (values.diff !== undefined) {
      if (positionals.length !== 1) throw new UsageError(`--diff takes two operands, got ${1 + positionals.length}`);
      const [a, b] = await Promise.all([operand(values.diff, values.tier), operand(positionals[0], values.tier)]);
      process.stdout.write(
        `${diffEstimates(a.estimate, b.estimate, { before: values.diff, after: positionals[0] })}\n`,
      );
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
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

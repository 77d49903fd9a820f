/**
 * `npm run plan -- --stack <name> [--json | --format mermaid] [--diagram out.svg] [--project tier|previews]`: the
 * offline plan of a stack, by the program of its project (infra/ for a tier stack, previews/ for a preview stack;
 * the one whose folder has its file). `--format mermaid` prints the architecture diagram instead of the table;
 * `--diagram <file>` also writes it as SVG (Mermaid when the file ends in .mmd).
 * Exit codes: 0 plan printed, 1 the program or its config failed, 2 bad command line or unknown stack,
 * 3 plan printed but its expected monthly cost is over the tier's budget (the top lines go to stderr),
 * 4 plan printed but a mandatory policy of the pack fails (as `pulumi preview --policy-pack policies` would).
 * Policy findings, advisory and mandatory, go to stderr after the plan.
 */
import { parseArgs } from "node:util";
import {
  packTargetOf,
  type Plan,
  planStackRun,
  PlanError,
  projectOf,
  type ProjectName,
  readStackFile,
  validStacks,
} from "./harness";
import { projectStackDir, stackDir } from "./stack-files";
import { writeFileSync } from "node:fs";
import { renderPlan } from "./report";
import { buildDiagram, renderMermaid, renderSvg } from "./diagram";
import { planBudget } from "../cost/sources";
import { evaluatePolicies, formatFindings, planPolicyConfig } from "../../policies/evaluate";
import { TIER_ENV } from "../../policies/tier";

const USAGE =
  "usage: npm run plan -- --stack <stack> [--json | --format table|mermaid] [--diagram out.svg|out.mmd] [--project tier|previews]";
const PROJECT_NAMES: readonly ProjectName[] = ["tier", "previews"];

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        json: { type: "boolean", default: false },
        project: { type: "string" },
        format: { type: "string" },
        diagram: { type: "string" },
      },
      strict: true,
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const stack = args.values.stack;
  if (stack === undefined) {
    process.stderr.write(`--stack is required (one of ${validStacks().join(", ")})\n${USAGE}\n`);
    return 2;
  }
  if (!validStacks().includes(stack)) {
    process.stderr.write(`unknown stack "${stack}": valid stacks are ${validStacks().join(", ")}\n`);
    return 2;
  }
  const project = args.values.project;
  if (project !== undefined && !(PROJECT_NAMES as readonly string[]).includes(project)) {
    process.stderr.write(`--project must be one of ${PROJECT_NAMES.join(", ")}, got "${project}"\n${USAGE}\n`);
    return 2;
  }
  const format = args.values.format ?? "table";
  if (format !== "table" && format !== "mermaid") {
    process.stderr.write(`--format must be table or mermaid, got "${format}"\n${USAGE}\n`);
    return 2;
  }
  try {
    const { plan, warnings, ms, cached } = await planStackRun(
      stack,
      project === undefined ? {} : { project: project as ProjectName },
    );
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    process.stderr.write(
      `planned stack "${stack}" through the Pulumi CLI's program runner in ${(ms / 1000).toFixed(1)} s${cached ? " (cached: same sources and config)" : ""}\n`,
    );
    const diagram = () => buildDiagram(stack, plan.resources);
    if (args.values.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    else if (format === "mermaid") process.stdout.write(`${renderMermaid(diagram())}\n`);
    else process.stdout.write(`${renderPlan(plan)}\n`);
    if (args.values.diagram !== undefined) {
      const file = args.values.diagram;
      writeFileSync(file, `${file.endsWith(".mmd") ? renderMermaid(diagram()) : renderSvg(diagram())}\n`);
      process.stderr.write(`diagram of stack "${stack}" written to ${file}\n`);
    }
    // Issue 5: a stack whose expected cost is over its tier's budget fails the plan, naming the lines that do it.
    const budget = planBudget(plan);
    if (!budget.ok) {
      process.stderr.write(`plan of stack "${stack}" is over budget:\n${budget.message}\n`);
      return 3;
    }
    return reportPolicies(stack, plan, (project as ProjectName | undefined) ?? projectOf(stack));
  } catch (err) {
    const message =
      err instanceof PlanError ||
      ["ConfigError", "CapacityError", "PackTargetError", "ProjectError"].includes((err as Error).name)
        ? (err as Error).message
        : String((err as Error).stack ?? err);
    process.stderr.write(`plan of stack "${stack}" failed:\n${message}\n`);
    return 1;
  }
}

/** Runs the policy pack's rules over the plan; prints every finding; 4 when a mandatory one fails. */
function reportPolicies(stack: string, plan: Plan, project: ProjectName): number {
  // As the pack under the CLI: the stack's project and its config's tier, never its name.
  const target = packTargetOf(stack, { project, env: process.env[TIER_ENV] });
  // The stack file's settings too, as the CLI hands the pack PULUMI_CONFIG (a budget above the tier's ceiling).
  const stackConfig = readStackFile(stack, projectStackDir(project, stackDir())).values;
  const findings = evaluatePolicies(plan, target, { config: planPolicyConfig(stack, target), stackConfig });
  const advisory = findings.filter((f) => f.enforcement === "advisory");
  const mandatory = findings.filter((f) => f.enforcement === "mandatory");
  process.stderr.write(
    `policy pack (${target === "preview" ? "preview rule set" : `tier ${target}`}): ${mandatory.length} mandatory violations, ${advisory.length} advisory findings\n`,
  );
  for (const line of formatFindings([...mandatory, ...advisory])) process.stderr.write(`  ${line}\n`);
  return mandatory.length > 0 ? 4 : 0;
}

// Exit only once stdout has drained: a large --json plan written to a pipe is cut short by an immediate exit.
void main(process.argv.slice(2)).then((code) => process.stdout.write("", () => process.exit(code)));

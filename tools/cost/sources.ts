/**
 * Where estimates come from: an offline plan (`{stack, resources, outputs}`), an estimate already computed, or the
 * real CLI's `pulumi preview --json` / `pulumi stack export`. Each is priced with the usage and budget of its tier:
 * the stack file's tier with its overrides when `Pulumi.<stack>.yaml` exists, else the `tier` output, else `--tier`.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolveStackConfig } from "../../stacks/config";
import { hasStackFile, readStackFile, REPO_ROOT, stackDir } from "../plan/stack-files";
import { TIERS, type TierSpec, isTierName } from "../../stacks/tiers";
import { exportOutputs, fromPulumiJson } from "./convert";
import { type BudgetResult, checkBudget } from "../../infra/lib/cost/budget";
import { estimateCost } from "../../infra/lib/cost/estimate";
import { loadProfile } from "../../infra/lib/cost/load";
import type { CostEstimate, CostResource } from "../../infra/lib/cost/types";

export { REPO_ROOT };

export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceError";
  }
}

export interface StackContext {
  tier: TierSpec;
  region?: string;
}

/**
 * The tier (with the stack file's overrides) and region of `stack`, if `Pulumi.<stack>.yaml` exists where the plan
 * harness reads stack files (the repository root, or STORYFORGE_STACK_DIR): the tier its config names, never its name.
 */
export function stackContext(stack: string, root: string = stackDir()): StackContext | undefined {
  if (!hasStackFile(stack, root)) return undefined;
  // Only tier stacks have a file here: a preview stack (previews/) has no tier and no budget, its cost is its
  // `incrementalCost` output.
  const { file: stackFile, values } = readStackFile(stack, root);
  const config = resolveStackConfig({ stack, stackFile, values });
  return { tier: config.tier, region: config.region };
}

export function tierNamed(name: unknown, where: string): TierSpec {
  if (!isTierName(name))
    throw new SourceError(`${where}: unknown tier ${JSON.stringify(name)} (expected mvp, v1 or v2)`);
  return TIERS[name];
}

export interface Priced {
  estimate: CostEstimate;
  tier: TierSpec;
}

/** Prices a parsed JSON document of any supported kind. `tier` (a name) overrides what the document implies. */
export function priceDocument(doc: unknown, opts: { tier?: string; label: string; root?: string }): Priced {
  if (typeof doc !== "object" || doc === null) throw new SourceError(`${opts.label}: not a JSON object`);
  const record = doc as Record<string, unknown>;

  if (Array.isArray(record.lineItems) && typeof record.monthly === "object") {
    const estimate = record as unknown as CostEstimate;
    const name = opts.tier ?? estimate.stack;
    const context = name !== undefined ? stackContext(name, opts.root) : undefined;
    return { estimate, tier: context?.tier ?? tierNamed(opts.tier ?? "v1", opts.label) };
  }

  let resources: CostResource[];
  let stack: string | undefined;
  let hints: Record<string, unknown>;
  if (Array.isArray(record.resources) && typeof record.stack === "string") {
    resources = record.resources as CostResource[];
    stack = record.stack;
    hints = (record.outputs as Record<string, unknown> | undefined) ?? {};
  } else {
    const converted = fromPulumiJson(doc);
    resources = converted.resources;
    if (converted.format === "export") hints = exportOutputs(doc);
    else hints = { tier: (record.config as Record<string, unknown> | undefined)?.["storyforge:tier"] };
  }

  const context = stack !== undefined && opts.tier === undefined ? stackContext(stack, opts.root) : undefined;
  let tier: TierSpec;
  if (opts.tier !== undefined) tier = tierNamed(opts.tier, "--tier");
  else if (context !== undefined) tier = context.tier;
  else if (hints.tier !== undefined) tier = tierNamed(hints.tier, `${opts.label}: tier output`);
  else throw new SourceError(`${opts.label}: cannot tell which tier's usage assumptions to use; pass --tier mvp|v1|v2`);
  const region = context?.region ?? (typeof hints.region === "string" ? hints.region : undefined);
  const estimate = estimateCost(resources, tier.usage, {
    load: loadProfile(tier),
    ...(stack !== undefined ? { stack } : {}),
    ...(region !== undefined ? { region } : {}),
  });
  return { estimate, tier };
}

export function readJsonFile(path: string): unknown {
  if (!existsSync(path)) throw new SourceError(`no such file: ${path}`);
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new SourceError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

/**
 * The budget check of an offline plan, as `npm run plan` runs it: the plan's `cost` output when the program
 * exports one, else the estimate of its resources, against the stack's tier (with the stack file's overrides).
 */
export function planBudget(
  plan: { stack: string; resources: CostResource[]; outputs?: Record<string, unknown> },
  root?: string,
): BudgetResult {
  const context = stackContext(plan.stack, root);
  if (context === undefined)
    return { ok: true, message: `${plan.stack}: no Pulumi.${plan.stack}.yaml, budget not checked` };
  const exported = plan.outputs?.cost as CostEstimate | undefined;
  const estimate =
    exported !== undefined && Array.isArray(exported.lineItems)
      ? exported
      : estimateCost(plan.resources, context.tier.usage, {
          stack: plan.stack,
          region: context.region,
          load: loadProfile(context.tier),
        });
  return checkBudget(estimate, context.tier);
}

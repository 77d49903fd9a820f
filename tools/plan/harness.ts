/**
 * The offline plan: evaluates the real program with a stack's real `Pulumi.<stack>.yaml` under Pulumi's mock
 * runtime (no CLI, no credentials, no network) and returns what it would create. `npm run plan` prints it; the
 * tests, the cost estimator and the policy pack read it.
 *
 * The Pulumi runtime keeps global state, so evaluate one stack per process (or per jest test file).
 */
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { PROJECT } from "../../stacks/config";
import { PREVIEW_PROJECT } from "../../stacks/preview/config";
import { type PlannedResource, resolveMasked, inventory } from "../../infra/lib/inventory";
import {
  PlanError,
  projectOf,
  projectStackDir,
  type ProjectName,
  readStackFile,
  REPO_ROOT,
  stackDir,
} from "./stack-files";
import { StrictMocks } from "./mocks";
import { resolvePackTarget, TIER_ENV, type PolicyTarget } from "../../policies/tier";

export type { PlannedResource } from "../../infra/lib/inventory";
export { PlanError, projectOf, readStackFile, REPO_ROOT, stackDir, validStacks } from "./stack-files";
export type { ProjectName } from "./stack-files";

/** The plan's `--json` contract. Keep it stable: other tools read it. */
export interface Plan {
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

/** Each project's name and the program its Pulumi.yaml names as `main`. */
export const PROJECTS: Record<ProjectName, { name: string; program: string }> = {
  tier: { name: PROJECT, program: join(REPO_ROOT, "infra", "index.ts") },
  previews: { name: PREVIEW_PROJECT, program: join(REPO_ROOT, "previews", "index.ts") },
};

export interface PlanOptions {
  /** Config values that replace or add to the stack file's (`storyforge:*`, `aws:*`), as tests do. */
  config?: Record<string, unknown>;
  /** The project whose stack this is. @default the one that has the stack's file (tools/plan/stack-files.ts) */
  project?: ProjectName;
}

/**
 * Evaluates the program of the stack's project (infra/ for a tier stack, previews/ for a preview stack) under strict
 * mocks. Rejects with the program's own error on bad config.
 */
export async function planStack(stack: string, opts: PlanOptions = {}): Promise<Plan> {
  const project = opts.project ?? projectOf(stack);
  const { values } = readStackFile(stack, projectStackDir(project, stackDir()));
  const merged = { ...values, ...(opts.config ?? {}) };
  const region = typeof merged["aws:region"] === "string" ? merged["aws:region"] : "us-east-1";

  // Pulumi hands config to programs as strings; objects and lists as JSON.
  const asStrings = Object.fromEntries(
    Object.entries(merged).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  pulumi.runtime.setAllConfig(asStrings);
  const mocks = new StrictMocks({ region });
  // preview=false: every value is known, so applies run and nothing waits forever on an unknown.
  await pulumi.runtime.setMocks(mocks, PROJECTS[project].name, stack, false);

  let exported: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(() => {
    // Imported inside the stack so the program's stack transformation (the inventory) applies.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = { ...require(PROJECTS[project].program) };
    return Promise.resolve(undefined);
  });

  const resources = await new Promise<PlannedResource[]>((resolve) => inventory.resources().apply(resolve));
  const outputs = (await resolveMasked(exported)) as Record<string, unknown>;
  // Drain every registration still in flight, so nothing is cut short (or reported as a leaked promise) at exit.
  await pulumi.runtime.disconnect();
  if (mocks.errors.length > 0) throw new PlanError(mocks.errors.join("\n"));
  return { stack, resources, outputs };
}

/**
 * What the policy pack checks `stack` as, derived as the pack derives it under the CLI: its project, and for a tier
 * stack the `storyforge:tier` of its stack file (STORYFORGE_POLICY_TIER may confirm or raise it). Never its name.
 */
export function packTargetOf(
  stack: string,
  opts: { project?: ProjectName; env?: string | undefined } = { env: process.env[TIER_ENV] },
): PolicyTarget {
  const project = opts.project ?? projectOf(stack);
  const { values } = readStackFile(stack, projectStackDir(project, stackDir()));
  return resolvePackTarget({
    project: PROJECTS[project].name,
    stack,
    configTier: values[`${PROJECT}:tier`],
    env: opts.env,
  });
}

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
import { type PlannedResource, resolveMasked, inventory } from "../../infra/lib/inventory";
import { PlanError, readStackFile, REPO_ROOT } from "./stack-files";
import { StrictMocks } from "./mocks";

export type { PlannedResource } from "../../infra/lib/inventory";
export { PlanError, readStackFile, REPO_ROOT, stackDir, validStacks } from "./stack-files";

/** The plan's `--json` contract. Keep it stable: other tools read it. */
export interface Plan {
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

// The entry Pulumi.yaml names (main: infra/): tiers run infra/tier.ts, preview stacks infra/preview.ts.
const PROGRAM = join(REPO_ROOT, "infra", "index.ts");

export interface PlanOptions {
  /** Config values that replace or add to the stack file's (`storyforge:*`, `aws:*`), as tests do. */
  config?: Record<string, unknown>;
}

/** Evaluates the program for `stack` under strict mocks. Rejects with the program's own error on bad config. */
export async function planStack(stack: string, opts: PlanOptions = {}): Promise<Plan> {
  const { values } = readStackFile(stack);
  const merged = { ...values, ...(opts.config ?? {}) };
  const region = typeof merged["aws:region"] === "string" ? merged["aws:region"] : "us-east-1";

  // Pulumi hands config to programs as strings; objects and lists as JSON.
  const asStrings = Object.fromEntries(
    Object.entries(merged).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  pulumi.runtime.setAllConfig(asStrings);
  const mocks = new StrictMocks({ region });
  // preview=false: every value is known, so applies run and nothing waits forever on an unknown.
  await pulumi.runtime.setMocks(mocks, PROJECT, stack, false);

  let exported: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(() => {
    // Imported inside the stack so the program's stack transformation (the inventory) applies.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = { ...require(PROGRAM) };
    return Promise.resolve(undefined);
  });

  const resources = await new Promise<PlannedResource[]>((resolve) => inventory.resources().apply(resolve));
  const outputs = (await resolveMasked(exported)) as Record<string, unknown>;
  // Drain every registration still in flight, so nothing is cut short (or reported as a leaked promise) at exit.
  await pulumi.runtime.disconnect();
  if (mocks.errors.length > 0) throw new PlanError(mocks.errors.join("\n"));
  return { stack, resources, outputs };
}

/**
 * The offline plan: evaluates the real program with a stack's real `Pulumi.<stack>.yaml` under Pulumi's mock
 * runtime (no CLI, no credentials, no network) and returns what it would create. `npm run plan` prints it; the
 * tests, the cost estimator and the policy pack read it.
 *
 * The Pulumi runtime keeps global state, so evaluate one stack per process (or per jest test file).
 */
import * as pulumi from "@pulumi/pulumi";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT } from "../../stacks/config";
import { PlannedResource, resolveMasked, inventory } from "../lib/inventory";
import { StrictMocks } from "./mocks";

export type { PlannedResource } from "../lib/inventory";

/** The plan's `--json` contract. Keep it stable: other tools read it. */
export interface Plan {
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

export const REPO_ROOT = join(__dirname, "..", "..");
/** Where stack files are read from: the repository root, or STORYFORGE_STACK_DIR (tests plan broken stack files). */
export function stackDir(): string {
  return process.env.STORYFORGE_STACK_DIR ?? REPO_ROOT;
}
// The entry Pulumi.yaml names (main: infra/): tiers run infra/tier.ts, preview stacks infra/preview.ts.
const PROGRAM = join(REPO_ROOT, "infra", "index.ts");

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanError";
  }
}

/** Stacks that have a `Pulumi.<stack>.yaml` at the repository root. */
export function validStacks(root: string = stackDir()): string[] {
  return readdirSync(root)
    .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** The `config:` map of a stack file, as typed YAML values. */
export function readStackFile(stack: string, root: string = stackDir()): { file: string; values: Record<string, unknown> } {
  const file = `Pulumi.${stack}.yaml`;
  const path = join(root, file);
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(path)) {
    throw new PlanError(`unknown stack "${stack}": valid stacks are ${validStacks(root).join(", ")}`);
  }
  const doc = (parse(readFileSync(path, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return { file, values: { ...(doc.config ?? {}) } };
}

export interface PlanOptions {
  /** Config values that replace or add to the stack file's (`storyforge:*`, `aws:*`), as tests do. */
  config?: Record<string, unknown>;
}

/** Evaluates the program for `stack` under strict mocks. Rejects with the program's own error on bad config. */
export async function planStack(stack: string, opts: PlanOptions = {}): Promise<Plan> {
  const { values } = readStackFile(stack);
  const merged = { ...values, ...(opts.config ?? {}) };
  const region = typeof merged["aws:region"] === "string" ? (merged["aws:region"] as string) : "us-east-1";

  // Pulumi hands config to programs as strings; objects and lists as JSON.
  const asStrings = Object.fromEntries(
    Object.entries(merged).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  pulumi.runtime.setAllConfig(asStrings);
  const mocks = new StrictMocks({ region });
  // preview=false: every value is known, so applies run and nothing waits forever on an unknown.
  pulumi.runtime.setMocks(mocks, PROJECT, stack, false);

  let exported: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    // Imported inside the stack so the program's stack transformation (the inventory) applies.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = { ...require(PROGRAM) };
    return undefined;
  });

  const resources = await new Promise<PlannedResource[]>((resolve) => inventory.resources().apply(resolve));
  const outputs = (await resolveMasked(exported)) as Record<string, unknown>;
  // Drain every registration still in flight, so nothing is cut short (or reported as a leaked promise) at exit.
  await pulumi.runtime.disconnect();
  if (mocks.errors.length > 0) throw new PlanError(mocks.errors.join("\n"));
  return { stack, resources, outputs };
}

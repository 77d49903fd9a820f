/**
 * Stack files (`Pulumi.<stack>.yaml`): which exist and what their `config:` holds. Plain file reading, no Pulumi
 * runtime, so the plan harness and the cost estimator read them the same way.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const REPO_ROOT = join(__dirname, "..", "..");
/** Where stack files are read from: the repository root, or STORYFORGE_STACK_DIR (tests plan broken stack files). */
export function stackDir(): string {
  return process.env.STORYFORGE_STACK_DIR ?? REPO_ROOT;
}

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
export function readStackFile(
  stack: string,
  root: string = stackDir(),
): { file: string; values: Record<string, unknown> } {
  const file = `Pulumi.${stack}.yaml`;
  const path = join(root, file);
  if (!hasStackFile(stack, root)) {
    throw new PlanError(`unknown stack "${stack}": valid stacks are ${validStacks(root).join(", ")}`);
  }
  const doc = (parse(readFileSync(path, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return { file, values: { ...(doc.config ?? {}) } };
}

/** Whether `stack` names a stack file under `root` (a safe name, and the file exists). */
export function hasStackFile(stack: string, root: string = stackDir()): boolean {
  return /^[A-Za-z0-9_.-]+$/.test(stack) && existsSync(join(root, `Pulumi.${stack}.yaml`));
}

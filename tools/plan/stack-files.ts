/**
 * Stack files (`Pulumi.<stack>.yaml`) of the two projects: the tier project's at the repository root, the previews
 * project's in previews/. Which exist and what their `config:` holds. Plain file reading, no Pulumi runtime, so the
 * plan harness and the cost estimator read them the same way.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const REPO_ROOT = join(__dirname, "..", "..");
/** The previews project's folder, relative to a stack directory as to the repository root. */
export const PREVIEWS_DIR = "previews";

/**
 * Where stack files are read from: the repository root, or STORYFORGE_STACK_DIR (tests plan broken stack files).
 * Either way the tier stacks are at its top and the preview stacks in its previews/ folder.
 */
export function stackDir(): string {
  return process.env.STORYFORGE_STACK_DIR ?? REPO_ROOT;
}

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanError";
  }
}

/** Stacks that have a `Pulumi.<stack>.yaml` in `root`. */
export function stacksIn(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** Every stack either project has a file for: the tier stacks and the preview stacks. */
export function validStacks(root: string = stackDir()): string[] {
  return [...new Set([...stacksIn(root), ...stacksIn(join(root, PREVIEWS_DIR))])].sort();
}

/** The `config:` map of a stack file in `root` (the tier project's, by default), as typed YAML values. */
export function readStackFile(
  stack: string,
  root: string = stackDir(),
): { file: string; values: Record<string, unknown> } {
  const file = `Pulumi.${stack}.yaml`;
  const path = join(root, file);
  if (!hasStackFile(stack, root)) {
    throw new PlanError(`unknown stack "${stack}": valid stacks are ${validStacks().join(", ")}`);
  }
  const doc = (parse(readFileSync(path, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return { file, values: { ...(doc.config ?? {}) } };
}

/** Whether `stack` names a stack file under `root` (a safe name, and the file exists). */
export function hasStackFile(stack: string, root: string = stackDir()): boolean {
  return /^[A-Za-z0-9_.-]+$/.test(stack) && existsSync(join(root, `Pulumi.${stack}.yaml`));
}

export type ProjectName = "tier" | "previews";

/**
 * The project a stack belongs to: the one whose folder has its stack file. A name both projects have a file for is
 * an error: pass the project explicitly.
 */
export function projectOf(stack: string, root: string = stackDir()): ProjectName {
  const tier = hasStackFile(stack, root);
  const previews = hasStackFile(stack, join(root, PREVIEWS_DIR));
  if (tier && previews) {
    throw new PlanError(
      `stack "${stack}" has a file in both projects (Pulumi.${stack}.yaml and ${PREVIEWS_DIR}/Pulumi.${stack}.yaml); pass --project tier or --project previews`,
    );
  }
  if (!tier && !previews) {
    throw new PlanError(`unknown stack "${stack}": valid stacks are ${validStacks(root).join(", ")}`);
  }
  return tier ? "tier" : "previews";
}

/** The folder holding a project's stack files under `root`. */
export function projectStackDir(project: ProjectName, root: string = stackDir()): string {
  return project === "tier" ? root : join(root, PREVIEWS_DIR);
}

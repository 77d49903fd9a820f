/**
 * The offline plan: runs a project's real program the way `pulumi up` does — started through
 * `@pulumi/pulumi/cmd/run` in a child process, with the language host's working directory, arguments and
 * environment, so ts-node loads it with the project's `runtime.options` and Node's extension order — against a
 * local engine (tools/plan/engine/) that answers from the strict mock tables (tools/plan/mocks.ts) and records
 * every registration with its options. No CLI, no credentials, no network. `npm run plan` prints the result; the
 * tests, the cost estimator and the policy pack read it.
 *
 * Finished plans are cached under .tmp/plans/ (tools/plan/cache.ts), keyed by the program's sources and config.
 */
import { join, relative } from "node:path";
import { cached, cacheKey, sourcesDigest } from "./cache";
import { launchProgram } from "./engine/launch";
import { type Answers, type LogRecord, LocalEngine, type Registration, ROOT_STACK_TYPE } from "./engine/monitor";
import { type Project, readProject, stackConfig } from "./engine/project";
import { loadProtos } from "./engine/protos";
import { strictAnswers } from "./mocks";
import { type PlannedResource as InventoryResource } from "../../infra/lib/inventory";
import { PROJECT } from "../../stacks/config";
import { PREVIEW_PROJECT } from "../../stacks/preview/config";
import { resolvePackTarget, TIER_ENV, type PolicyTarget } from "../../policies/tier";
import {
  PlanError,
  projectOf,
  projectStackDir,
  type ProjectName,
  readStackFile,
  REPO_ROOT,
  stackDir,
} from "./stack-files";

export { PlanError, projectOf, readStackFile, REPO_ROOT, stackDir, validStacks } from "./stack-files";
export type { ProjectName } from "./stack-files";

/** Each project: its name and the folder of its Pulumi.yaml, whose `main` the CLI runs. */
export const PROJECTS: Record<ProjectName, { name: string; dir: string }> = {
  tier: { name: PROJECT, dir: REPO_ROOT },
  previews: { name: PREVIEW_PROJECT, dir: join(REPO_ROOT, "previews") },
};

/** The resource options the plan shows (what a deploy orders, protects and replaces by). */
export interface PlanResourceOptions {
  /**
   * Explicit `dependsOn`, as resource names, components expanded to the custom resources they contain (as the SDK
   * sends them). A resource also reached through an input is listed under `dependencies` only.
   */
  dependsOn: string[];
  protect: boolean;
  retainOnDelete: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  deleteBeforeReplace: boolean;
  /** The explicit provider's name; null for the engine's default provider of the resource's package. */
  provider: string | null;
}

/** One resource of the plan's `--json` contract. */
export interface PlannedResource extends InventoryResource {
  options: PlanResourceOptions;
  /** Every resource this one waits for: `dependsOn` and each resource an input refers to (the engine's order). */
  dependencies: string[];
}

/** The plan's `--json` contract. Keep it stable: other tools read it. */
export interface Plan {
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

export interface PlanOptions {
  /** Config values that replace or add to the stack file's (`storyforge:*`, `aws:*`), as tests do. */
  config?: Record<string, unknown>;
  /** The project whose stack this is. @default the one that has the stack's file (tools/plan/stack-files.ts) */
  project?: ProjectName;
}

/** A plan with what it took: the program's warnings, the time, whether it came from the cache. */
export interface PlanRun {
  plan: Plan;
  warnings: string[];
  ms: number;
  cached: boolean;
}

export interface ProgramRunOptions {
  /** The folder of the project's Pulumi.yaml. */
  projectDir: string;
  stack: string;
  /** The stack's config values (stack file and overrides), keys `namespace:key` or bare project keys. */
  values: Record<string, unknown>;
  /** Where the values came from, for error messages. */
  stackFile: string;
  /** "update" (the default) answers every output, as `pulumi up`; "preview" leaves computed outputs unknown. */
  mode?: "update" | "preview";
  /** The program's stdout and stderr as they arrive. */
  onOutput?: (chunk: string) => void;
  timeoutMs?: number;
  /** Extra environment for the program. */
  env?: Record<string, string>;
  /** What the engine answers. @default the strict mock tables (tools/plan/mocks.ts) */
  answers?: Answers;
}

/** What one run of a program under the local engine recorded. */
export interface ProgramRun {
  project: Project;
  exitCode: number | null;
  ms: number;
  registrations: Registration[];
  outputs: Record<string, unknown> | undefined;
  logs: LogRecord[];
  /** Answer-table failures (an unknown resource type or function). */
  errors: string[];
  shutdownSignalled: boolean;
  stdout: string;
  stderr: string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** Runs the project's program for one stack against a fresh local engine. Never throws for the program's failure. */
export async function runProgram(opts: ProgramRunOptions): Promise<ProgramRun> {
  const project = readProject(opts.projectDir);
  const config = stackConfig(project, opts.values, opts.stackFile, opts.stack);
  const region = config["aws:region"] ?? "us-east-1";
  const engine = new LocalEngine({
    protos: loadProtos(opts.projectDir),
    project: project.name,
    stack: opts.stack,
    answers: opts.answers ?? strictAnswers({ region }),
    mode: opts.mode,
  });
  const address = await engine.start();
  try {
    const result = await launchProgram({
      project,
      stack: opts.stack,
      config,
      address,
      dryRun: opts.mode === "preview",
      env: opts.env,
      onOutput: opts.onOutput,
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    if (result.timedOut) {
      engine.errors.push(`the program did not finish within ${(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s`);
    }
    return {
      project,
      exitCode: result.exitCode,
      ms: result.ms,
      registrations: engine.registrations,
      outputs: engine.stackOutputs(),
      logs: engine.logs,
      errors: engine.errors,
      shutdownSignalled: engine.shutdownSignalled,
      stdout: result.stdout,
      stderr: result.stderr,
    };
  } finally {
    await engine.stop();
  }
}

// eslint-disable-next-line no-control-regex -- util.inspect colours the program's error with ANSI escapes
const ANSI = /\u001b\[[0-9;]*m/g;

/** Program errors whose message is the whole story (the config loader's, the capacity check's). */
const ACTIONABLE = new Set(["ConfigError", "CapacityError", "PlanError"]);

/**
 * Why a run failed, as the CLI would show it: the program's own error (cmd/run logs it through Engine.Log before it
 * exits 32), a table failure, or the exit itself. An actionable error reads as its message alone.
 */
export function failureOf(run: ProgramRun): string | undefined {
  if (run.errors.length > 0) return run.errors.join("\n");
  const logged = run.logs.find((l) => l.severity === "error");
  if (logged) {
    const text = logged.message
      .replace(ANSI, "")
      .replace(/^Running program '[^']*' failed with an unhandled exception:\n/, "");
    const m = /^(\w+)(?: \[[^\]]*\])?: ([\s\S]*?)(?=\n +at |\n *\{\n|$)/.exec(text);
    if (m && ACTIONABLE.has(m[1])) return m[2].trimEnd();
    return text.split("\n").slice(0, 40).join("\n").trimEnd();
  }
  if (run.exitCode !== 0) return `the program exited with code ${run.exitCode}:\n${run.stderr.trim()}`;
  if (!run.shutdownSignalled)
    return "the program exited before Pulumi's runtime finished (no SignalAndWaitForShutdown)";
  if (run.outputs === undefined) return "the program registered no stack outputs";
  return undefined;
}

/** The registrations as the plan's resources: depth-first from the stack, siblings by name, the stack left out. */
export function planResources(registrations: readonly Registration[]): PlannedResource[] {
  const root = registrations.find((r) => r.type === ROOT_STACK_TYPE);
  const top = root?.urn ?? "";
  // A resource registered without a parent sits at the top, as one parented to the stack does.
  const parentOf = (r: Registration) => r.parentUrn || top;
  const children = new Map<string, Registration[]>();
  for (const r of registrations) {
    if (r !== root) children.set(parentOf(r), [...(children.get(parentOf(r)) ?? []), r]);
  }
  const out: PlannedResource[] = [];
  const visit = (parentUrn: string): void => {
    const siblings = [...(children.get(parentUrn) ?? [])].sort((a, b) =>
      a.name === b.name ? a.type.localeCompare(b.type) : a.name.localeCompare(b.name),
    );
    for (const r of siblings) {
      out.push({
        type: r.type,
        name: r.name,
        // Top level is null, as the contract has always said: the stack itself is not a resource of the plan.
        parent: parentOf(r) === top ? null : r.parent,
        inputs: r.inputs,
        options: {
          dependsOn: r.options.dependsOn,
          protect: r.options.protect ?? false,
          retainOnDelete: r.options.retainOnDelete ?? false,
          ignoreChanges: r.options.ignoreChanges,
          replaceOnChanges: r.options.replaceOnChanges,
          deleteBeforeReplace: r.options.deleteBeforeReplace ?? false,
          provider: r.options.provider,
        },
        dependencies: r.options.dependencies,
      });
      visit(r.urn);
    }
  };
  visit(top);
  return out;
}

/** The plan of a finished run, or a PlanError saying why there is none. */
export function planOf(stack: string, run: ProgramRun): Plan {
  const failure = failureOf(run);
  if (failure !== undefined) throw new PlanError(failure);
  return { stack, resources: planResources(run.registrations), outputs: run.outputs ?? {} };
}

function warningsOf(run: ProgramRun): string[] {
  return run.logs.filter((l) => l.severity === "warning").map((l) => l.message.replace(ANSI, "").trimEnd());
}

/** The plan of a project's stack, from the cache when this exact program and config ran before. */
export async function planProjectStack(opts: ProgramRunOptions): Promise<PlanRun> {
  const project = readProject(opts.projectDir);
  const key = cacheKey({
    project: relative(REPO_ROOT, project.root) || ".",
    stack: opts.stack,
    config: stackConfig(project, opts.values, opts.stackFile, opts.stack),
    mode: opts.mode ?? "update",
    sources: sourcesDigest(REPO_ROOT),
  });
  const started = Date.now();
  let computed = false;
  const entry = await cached(join(REPO_ROOT, ".tmp", "plans"), key, async () => {
    computed = true;
    const run = await runProgram(opts);
    return { plan: planOf(opts.stack, run), warnings: warningsOf(run) };
  });
  return { ...entry, ms: Date.now() - started, cached: !computed };
}

/**
 * The plan of a stack of its project: the tier project (Pulumi.yaml at the repository root, `main: infra/`) or the
 * previews project (previews/Pulumi.yaml, `main: index.ts`), each run from its own program folder.
 */
export async function planStackRun(stack: string, opts: PlanOptions = {}): Promise<PlanRun> {
  const project = opts.project ?? projectOf(stack);
  const { file, values } = readStackFile(stack, projectStackDir(project, stackDir()));
  return planProjectStack({
    projectDir: PROJECTS[project].dir,
    stack,
    values: { ...values, ...(opts.config ?? {}) },
    stackFile: file,
  });
}

/** Plans `stack`. Rejects with a PlanError carrying the program's own message on bad config. */
export async function planStack(stack: string, opts: PlanOptions = {}): Promise<Plan> {
  return (await planStackRun(stack, opts)).plan;
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

/**
 * `npm run preview -- <command>`: deploy the current branch as a preview stack, list previews, remove them.
 *
 *   up [--name NAME] [--base STACK]               create or update preview-<name> and print its URL
 *   destroy [--name NAME]                         destroy preview-<name> and remove the stack
 *   list                                          previews with owner, branch, commit, last deploy, idle time
 *   gc --idle 72h [--dry-run]                     destroy and remove previews idle longer than the limit
 *
 * Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { destroy, gc, type GitInfo, list, type PreviewDeps, PreviewError, up } from "./commands";
import { parseDuration } from "../../stacks/preview/idle";

export const USAGE = `usage: npm run preview -- <command>
  up [--name NAME] [--base STACK]               deploy the branch (or NAME) as preview-<name> on tier stack STACK
                                                (v1, or org/storyforge/v1), print its URL
  destroy [--name NAME]                         destroy preview-<name> and remove its stack
  list                                          list previews: owner, branch, commit, last deploy, idle time
  gc --idle 72h [--dry-run]                     destroy previews whose last deploy is older than the limit
`;

export class UsageError extends Error {}

export interface ParsedArgs {
  command: "up" | "destroy" | "list" | "gc";
  name?: string;
  base?: string;
  /** `--idle` in milliseconds. */
  idleMs?: number;
  dryRun: boolean;
}

const FLAGS: Record<ParsedArgs["command"], readonly string[]> = {
  up: ["--name", "--base"],
  destroy: ["--name"],
  list: [],
  gc: ["--idle", "--dry-run"],
};

export function parseArgs(argv: string[]): ParsedArgs {
  const [command, ...rest] = argv;
  if (command === undefined || !(command in FLAGS)) {
    throw new UsageError(command === undefined ? "no command given" : `unknown command ${JSON.stringify(command)}`);
  }
  const parsed: ParsedArgs = { command: command as ParsedArgs["command"], dryRun: false };
  const allowed = FLAGS[parsed.command];
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i].split(/=(.*)/s, 2);
    if (!allowed.includes(flag)) throw new UsageError(`${command} does not take ${JSON.stringify(rest[i])}`);
    if (flag === "--dry-run") {
      parsed.dryRun = true;
      continue;
    }
    const value = inline ?? rest[++i];
    if (value === undefined || value === "") throw new UsageError(`${flag} needs a value`);
    if (flag === "--name") parsed.name = value;
    if (flag === "--base") parsed.base = value;
    if (flag === "--idle") {
      try {
        parsed.idleMs = parseDuration(value);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
  }
  if (parsed.command === "gc" && parsed.idleMs === undefined) throw new UsageError("gc needs --idle, e.g. --idle 72h");
  return parsed;
}

function git(args: string[], cwd: string): string | undefined {
  try {
    const out = execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return out === "" ? undefined : out;
  } catch {
    return undefined;
  }
}

export function gitInfo(cwd: string): GitInfo {
  return {
    branch: git(["rev-parse", "--abbrev-ref", "HEAD"], cwd),
    commit: git(["rev-parse", "HEAD"], cwd),
    email: git(["config", "user.email"], cwd),
  };
}

/** Runs one command; returns the exit code. */
export async function main(argv: string[], deps: PreviewDeps): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    switch (args.command) {
      case "up":
        await up({ name: args.name, baseStack: args.base }, deps);
        return 0;
      case "destroy":
        await destroy({ name: args.name }, deps);
        return 0;
      case "list":
        await list(deps);
        return 0;
      case "gc": {
        const outcome = await gc({ idleMs: args.idleMs!, dryRun: args.dryRun }, deps);
        return outcome.failed.length > 0 ? 1 : 0;
      }
    }
  } catch (err) {
    const message = err instanceof PreviewError ? err.message : `${(err as Error).message ?? err}`;
    process.stderr.write(`preview ${args.command}: ${message}\n`);
    return 1;
  }
}

/** The previews project (previews/Pulumi.yaml): the Automation API's workspace. */
export const PREVIEWS_WORK_DIR = join(__dirname, "..", "..", "previews");

/** The policy pack and its preview rule set's configuration (README: Policy pack). */
export const PREVIEW_POLICY_PACK = {
  dir: join(__dirname, "..", "..", "policies"),
  config: join(__dirname, "..", "..", "policies", "config.preview.json"),
};

if (require.main === module) {
  const deps: PreviewDeps = {
    workDir: PREVIEWS_WORK_DIR,
    policyPack: PREVIEW_POLICY_PACK,
    env: process.env,
    now: () => new Date(),
    git: () => gitInfo(PREVIEWS_WORK_DIR),
    write: (text) => process.stdout.write(text),
  };
  main(process.argv.slice(2), deps).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${err}\n`);
      process.exit(1);
    },
  );
}

/**
 * Starts a Node.js Pulumi program exactly as `pulumi preview`/`pulumi up` do, minus the Go processes: the argv,
 * environment and working directory come from the nodejs language host (sdk/nodejs/cmd/pulumi-language-nodejs/
 * main.go Run, execRuntime, constructArguments, constructConfig, locateModule) and the engine
 * (pkg/engine/project.go getPwdMain, pkg/resource/deploy/program_source.go). The program is then loaded by
 * `@pulumi/pulumi/cmd/run`, which registers ts-node with the runtime options, as under the CLI.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { getPwdMain, type NodeRuntimeOptions, type Project, toPulumiConfigEnv } from "./project";

export interface LaunchOptions {
  project: Project;
  stack: string;
  /** RunRequest.config: `namespace:key` → string. */
  config: Record<string, string>;
  configSecretKeys?: string[];
  /** The local engine's address (it serves both the monitor and the engine). */
  address: string;
  /** `pulumi preview` (and the preview half of `pulumi up`) passes --dry-run. */
  dryRun?: boolean;
  /** "organization" on self-managed backends (pkg/backend/diy), the Pulumi Cloud org otherwise. */
  organization?: string;
  /** Extra environment, e.g. for a test. */
  env?: Record<string, string>;
  /** Called with the program's stdout and stderr as they arrive (the CLI shows them). */
  onOutput?: (chunk: string, stream: "stdout" | "stderr") => void;
  /** Kill the program after this long (a wedged program must not hang a test run). */
  timeoutMs?: number;
}

export interface Command {
  node: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface LaunchResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  ms: number;
  command: Command;
}

/** main.go locateModule: `require.resolve` run by node in the program directory (Node's upward node_modules walk). */
export function locateModule(mod: string, programDir: string): string {
  const script = `try { console.log(require.resolve(${JSON.stringify(mod)})); } catch (e) { console.error(e.code === "MODULE_NOT_FOUND" ? "It looks like the Pulumi SDK has not been installed. Have you run pulumi install?" : e.message); process.exit(1); }`;
  const out = spawnSync(process.execPath, ["-e", script], { cwd: programDir, encoding: "utf8" });
  if (out.status !== 0) throw new Error(out.stderr.trim() || `could not resolve ${mod} from ${programDir}`);
  return out.stdout.trim();
}

/**
 * Variables our own tooling (tsx, jest, ts-node, an outer Pulumi run) puts into this process's environment, which
 * a CLI user's shell would not have and which would change how the program loads.
 */
const TOOLING_ENV = [
  /^TSX_/,
  /^TS_NODE_/,
  /^NODE_OPTIONS$/,
  /^JEST_/,
  /^PULUMI_NODEJS_/,
  /^PULUMI_CONFIG/,
  /^PULUMI_TEST_MODE$/,
];

/** The CLI's environment minus our tooling's, as the language host would pass it to node. */
export function cliEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !TOOLING_ENV.some((re) => re.test(k))) env[k] = v;
  }
  return env;
}

/** main.go execRuntime: the runtime options' environment (PULUMI_NODEJS_TYPESCRIPT, _TSCONFIG_PATH). */
export function runtimeOptionsEnv(options: NodeRuntimeOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (options.typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  if (options.tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
  return env;
}

export function buildCommand(opts: LaunchOptions, pipes: string): Command {
  const { pwd, main } = getPwdMain(opts.project.root, opts.project.main);
  const options = opts.project.options;
  const runPath = locateModule("@pulumi/pulumi/cmd/run", pwd);
  // constructArguments, in its order; empty values are omitted.
  const args = [runPath];
  const arg = (k: string, v: string | undefined) => {
    if (v) args.push(`--${k}`, v);
  };
  arg("monitor", opts.address);
  arg("engine", opts.address);
  arg("sync", pipes);
  arg("organization", opts.organization ?? "organization");
  arg("project", opts.project.name);
  arg("root-directory", opts.project.root);
  arg("stack", opts.stack);
  arg("pwd", pwd);
  if (opts.dryRun) args.push("--dry-run");
  // The CLI's default parallelism: GOMAXPROCS × 4 (pkg/cmd/pulumi/operations/up.go).
  arg("parallel", String(availableParallelism() * 4));
  args.push(main);
  const nodeArgs = options.nodeargs ? options.nodeargs.split(/\s+/).filter(Boolean) : [];
  const env = {
    ...cliEnvironment(),
    PULUMI_CONFIG: toPulumiConfigEnv(opts.config),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(opts.configSecretKeys ?? []),
    ...runtimeOptionsEnv(options),
    ...(opts.env ?? {}),
  };
  // The language host runs with cmd.Dir = the program directory and node inherits it; cmd/run then chdirs to
  // --pwd, the same folder. nodeargs come before the run script (execRuntime).
  return { node: process.execPath, args: [...nodeArgs, ...args], cwd: pwd, env };
}

/** Runs the program to completion. The engine at `opts.address` must already be serving. */
export function launchProgram(opts: LaunchOptions): Promise<LaunchResult> {
  // createAndServePipes (proxy_unix.go) makes a folder with two FIFOs for synchronous invokes. SDK 3.248 still
  // reads --sync into PULUMI_NODEJS_SYNC but never opens the pipes, so an empty folder is faithful.
  const pipes = mkdtempSync(join(tmpdir(), "pulumi-node-pipes"));
  const command = buildCommand(opts, pipes);
  const started = process.hrtime.bigint();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command.node, command.args, {
      cwd: command.cwd,
      env: command.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, opts.timeoutMs);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      opts.onOutput?.(d.toString(), "stdout");
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      opts.onOutput?.(d.toString(), "stderr");
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      rmSync(pipes, { recursive: true, force: true });
      reject(err);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      rmSync(pipes, { recursive: true, force: true });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolvePromise({ exitCode, signal, timedOut, stdout, stderr, ms, command });
    });
  });
}

// Debian's buildah and podman without a Docker engine: the packages, a storage of the checkout's own under
// .tmp/image/ (its cache between runs; a fresh clone starts cold), and the flags these machines need.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** The Debian packages and the binary each must leave behind. */
const PACKAGES: Array<{ pkg: string; binary: string }> = [
  { pkg: "buildah", binary: "/usr/bin/buildah" },
  { pkg: "podman", binary: "/usr/bin/podman" },
  // crun (podman's first choice) refuses these machines' cgroup setup; runc works
  { pkg: "runc", binary: "/usr/sbin/runc" },
  { pkg: "debootstrap", binary: "/usr/sbin/debootstrap" },
  // what podman falls back on where the kernel's overlay or root networking is not available
  { pkg: "fuse-overlayfs", binary: "/usr/bin/fuse-overlayfs" },
  { pkg: "uidmap", binary: "/usr/bin/newuidmap" },
  { pkg: "slirp4netns", binary: "/usr/bin/slirp4netns" },
  { pkg: "containernetworking-plugins", binary: "/usr/lib/cni/bridge" },
];

let toolsPromise: Promise<void> | undefined;

/**
 * Installs the packages that are missing (as root, under the same host-wide apt lock as the services harness), as
 * test/app/services/system.ts does for PostgreSQL and Redis: CI starts from a clean machine.
 */
export function ensureTools(): Promise<void> {
  toolsPromise ??= (async () => {
    const missing = PACKAGES.filter((p) => !existsSync(p.binary));
    if (missing.length === 0) return;
    const packages = missing.map((p) => p.pkg).join(" ");
    if (process.getuid?.() !== 0) {
      throw new Error(
        `image tools: missing ${missing.map((p) => p.binary).join(", ")}; as root: apt-get install ${packages}`,
      );
    }
    const script = `apt-get update -qq && apt-get install -y -qq --no-install-recommends ${packages}`;
    await execFileAsync("flock", ["/tmp/storyforge-apt.lock", "sh", "-c", script], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      timeout: 900_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const still = PACKAGES.filter((p) => !existsSync(p.binary));
    if (still.length > 0)
      throw new Error(`image tools: installed ${packages} but ${still.map((p) => p.binary)} missing`);
  })();
  toolsPromise.catch(() => (toolsPromise = undefined));
  return toolsPromise;
}

/** Where one checkout keeps its images and the state podman and buildah share. */
export interface Engine {
  /** The checkout (build context root). */
  repoRoot: string;
  /** `.tmp/image/`: storage, logs, scratch space. */
  dir: string;
  /** Image and layer storage (overlay). */
  root: string;
  /** podman limits its run root to 50 characters, so it lives under /run, named after the storage. */
  runRoot: string;
  /** podman's own temporary state (same reason). */
  tmpDir: string;
  /** buildah's TMPDIR: build scratch space and the RUN --mount=type=cache folders. */
  buildTmp: string;
}

export function engineFor(repoRoot: string): Engine {
  const dir = join(repoRoot, ".tmp", "image");
  const root = join(dir, "containers");
  const short = createHash("sha256").update(root).digest("hex").slice(0, 12);
  const run = `/run/storyforge-image/${short}`;
  const engine = { repoRoot, dir, root, runRoot: `${run}/run`, tmpDir: `${run}/tmp`, buildTmp: join(dir, "tmp") };
  // A storage removed by hand leaves podman's run state behind, naming layers that are gone: start that afresh.
  if (!existsSync(root)) rmSync(run, { recursive: true, force: true });
  for (const d of [dir, root, engine.runRoot, engine.tmpDir, engine.buildTmp]) mkdirSync(d, { recursive: true });
  return engine;
}

function storageArgs(e: Engine): string[] {
  return ["--root", e.root, "--runroot", e.runRoot, "--storage-driver", "overlay"];
}

/** A hard limit of this process (`Max open files`, `Max processes`), from /proc/self/limits. */
function hardLimit(name: string): number | undefined {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  return hard === undefined || hard === "unlimited" ? undefined : Number(hard);
}

/**
 * `podman run` flags every container needs here: runc, and resource limits within this machine's hard limits
 * (podman's defaults ask for more, and the runtime's setrlimit is refused).
 */
export function runtimeArgs(): string[] {
  const nofile = Math.min(hardLimit("Max open files") ?? 65_536, 65_536);
  const nproc = Math.min(hardLimit("Max processes") ?? 8_192, 8_192);
  return ["--runtime", "runc", "--ulimit", `nofile=${nofile}:${nofile}`, "--ulimit", `nproc=${nproc}:${nproc}`];
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

export interface CommandOptions {
  env?: Record<string, string>;
  /** @default 120 s */
  timeoutMs?: number;
  /** Appends the output here as it comes (long builds). */
  logFile?: string;
  cwd?: string;
  /** Output straight to this process's stdout/stderr (nothing captured). */
  inherit?: boolean;
}

/** Runs a command; rejects naming it, its exit code and the tail of its output. */
export function run(command: string, args: string[], opts: CommandOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // setpriv execs the command in place with a parent-death signal: a build or a debootstrap never outlives a
    // test run that was killed (podman forwards the signal to an attached container).
    const child = spawn("setpriv", ["--pdeathsig", "SIGTERM", "--", command, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: opts.inherit === true ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    const log = opts.logFile === undefined ? undefined : createWriteStream(opts.logFile, { flags: "a" });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      log?.write(d);
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
      log?.write(d);
    });
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      log?.end();
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      log?.end();
      if (code === 0) return resolve({ stdout, stderr });
      const what = `${command} ${args.join(" ")}`.slice(0, 300);
      const why = signal === "SIGKILL" ? `killed after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
      const tail = (stderr || stdout).trim().split("\n").slice(-15).join("\n");
      reject(new CommandError(`${what}: ${why}\n${tail}`, code, stdout, stderr));
    });
  });
}

export function podman(e: Engine, args: string[], opts: CommandOptions = {}): Promise<RunResult> {
  return run("podman", [...storageArgs(e), "--tmpdir", e.tmpDir, ...args], opts);
}

export function buildah(e: Engine, args: string[], opts: CommandOptions = {}): Promise<RunResult> {
  return run("buildah", [...storageArgs(e), ...args], { ...opts, env: { TMPDIR: e.buildTmp, ...opts.env } });
}

export async function imageExists(e: Engine, name: string): Promise<boolean> {
  try {
    await podman(e, ["image", "exists", name]);
    return true;
  } catch (error) {
    if (error instanceof CommandError && error.code === 1) return false;
    throw error;
  }
}

/** Bytes of an image (all its layers, the base's included). */
export async function imageSize(e: Engine, name: string): Promise<number> {
  return Number((await podman(e, ["image", "inspect", "--format", "{{.Size}}", name])).stdout.trim());
}

/**
 * The CA bundle this machine's Node trusts (NODE_EXTRA_CA_CERTS, else npm's cafile, else the system store): what a
 * build behind an intercepting proxy must be handed, as a secret, so npm inside it can reach the registry.
 */
export async function buildCaFile(): Promise<string | undefined> {
  const fromEnv = process.env.NODE_EXTRA_CA_CERTS;
  if (fromEnv !== undefined && fromEnv !== "" && existsSync(fromEnv)) return fromEnv;
  try {
    const cafile = (await run("npm", ["config", "get", "cafile"])).stdout.trim();
    if (cafile !== "" && cafile !== "null" && cafile !== "undefined" && existsSync(cafile)) return cafile;
  } catch {
    // no npm config: fall through
  }
  return existsSync("/etc/ssl/certs/ca-certificates.crt") ? "/etc/ssl/certs/ca-certificates.crt" : undefined;
}

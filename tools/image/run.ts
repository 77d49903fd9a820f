// Runs the app image the way the cluster runs its pods (infra/lib/pod-spec.ts): the image's own user (uid 1000), a
// read-only root filesystem with a tmpfs on /tmp, every capability dropped, no privilege escalation. Host
// networking, so the containers reach services on this machine's loopback.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CommandError, podman, runtimeArgs, type Engine } from "./engine";

export const ENTRY_POINTS = ["api", "worker", "migrate"] as const;
export type EntryPoint = (typeof ENTRY_POINTS)[number];

/** Each entry point's command, as the Kubernetes objects give it (the API is the image's CMD). */
const COMMANDS: Record<EntryPoint, string[]> = {
  api: [],
  worker: ["node", "dist/worker/main.js"],
  migrate: ["node", "dist/app/migrate.js"],
};

/** Label naming the process that started a container, so a later run can remove what a killed one left. */
export const OWNER_LABEL = "storyforge.image.owner";

export interface ContainerSpec {
  name: string;
  image: string;
  entryPoint: EntryPoint;
  /** Environment variables handed in by name; podman reads their values from its own environment. */
  envKeys?: readonly string[];
  /** Seconds after which podman kills the container whatever happens. @default 3600 */
  timeoutS?: number;
}

/** `podman run` arguments after `run` (and before any `-d`/`--rm` the caller adds in front). */
export function appContainerArgs(spec: ContainerSpec): string[] {
  return [
    "--name",
    spec.name,
    "--label",
    `${OWNER_LABEL}=${process.pid}`,
    ...runtimeArgs(),
    "--network",
    "host",
    "--read-only",
    "--read-only-tmpfs=false",
    "--tmpfs",
    "/tmp:rw,nosuid,nodev,size=64m,mode=1777",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
    "--timeout",
    String(spec.timeoutS ?? 3600),
    ...(spec.envKeys ?? []).flatMap((key) => ["--env", key]),
    spec.image,
    ...COMMANDS[spec.entryPoint],
  ];
}

/** The environment variable names core/config.ts reads (quoted upper-case literals), for the CLI's pass-through. */
export function appEnvKeys(repoRoot: string): string[] {
  const source = readFileSync(join(repoRoot, "core", "config.ts"), "utf8");
  return [...new Set([...source.matchAll(/"([A-Z][A-Z0-9_]{2,})"/g)].map((m) => m[1]))].sort();
}

/** Containers one test or command started; `stopAll` stops and removes every one of them. */
export class Containers {
  private readonly names: string[] = [];

  constructor(private readonly engine: Engine) {}

  /** Starts a container in the background; resolves once podman has started it. */
  async start(spec: ContainerSpec, env: Record<string, string>): Promise<string> {
    this.names.push(spec.name);
    await podman(this.engine, ["run", "--detach", ...appContainerArgs({ ...spec, envKeys: Object.keys(env) })], {
      env,
    });
    return spec.name;
  }

  /** Runs a container to its end; resolves with its output, rejects with it when the exit code is not 0. */
  async runToEnd(spec: ContainerSpec, env: Record<string, string>, timeoutMs = 120_000): Promise<string> {
    this.names.push(spec.name);
    const result = await podman(this.engine, ["run", ...appContainerArgs({ ...spec, envKeys: Object.keys(env) })], {
      env,
      timeoutMs,
    });
    return result.stdout + result.stderr;
  }

  async logs(name: string): Promise<string> {
    const result = await podman(this.engine, ["logs", name]);
    return result.stdout + result.stderr;
  }

  async inspect(name: string, format: string): Promise<string> {
    return (await podman(this.engine, ["inspect", "--format", format, name])).stdout.trim();
  }

  /** SIGTERM (the image's STOPSIGNAL), then SIGKILL after `graceS`; resolves with the exit code. */
  async stop(name: string, graceS = 20): Promise<number> {
    await podman(this.engine, ["stop", "--time", String(graceS), name], { timeoutMs: (graceS + 30) * 1000 });
    return Number(await this.inspect(name, "{{.State.ExitCode}}"));
  }

  /** Stops and removes every container started here; never throws (it runs in `finally` and `afterAll`). */
  async stopAll(): Promise<void> {
    const names = this.names.splice(0);
    if (names.length === 0) return;
    await podman(this.engine, ["rm", "--force", "--ignore", "--time", "5", ...names], { timeoutMs: 120_000 }).catch(
      (error: unknown) => process.stderr.write(`image: could not remove ${names.join(", ")}: ${String(error)}\n`),
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes containers whose starting process is gone (a run killed before its clean-up). Returns their names. */
export async function reapStaleContainers(engine: Engine): Promise<string[]> {
  const listed = await podman(engine, [
    "ps",
    "--all",
    "--filter",
    `label=${OWNER_LABEL}`,
    "--format",
    `{{.Names}} {{index .Labels "${OWNER_LABEL}"}}`,
  ]);
  const stale = listed.stdout
    .split("\n")
    .map((line) => line.trim().split(" "))
    .filter(([name, pid]) => name !== undefined && name !== "" && !isAlive(Number(pid)))
    .map(([name]) => name);
  if (stale.length > 0) {
    await podman(engine, ["rm", "--force", "--ignore", "--time", "0", ...stale]).catch((error: unknown) => {
      if (!(error instanceof CommandError)) throw error;
    });
  }
  return stale;
}

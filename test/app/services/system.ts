// Host-level plumbing for the services harness: Debian packages, the unprivileged user the servers run as,
// free loopback ports, instance directories and the reaping of directories left by a killed run.
import { execFile } from "node:child_process";
import { EventEmitter } from "node:events";
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const LOOPBACK = "127.0.0.1";

/** Prefix of every instance directory; the reaper only ever touches directories with this prefix. */
export const INSTANCE_DIR_PREFIX = "storyforge-services-";

export interface Binaries {
  initdb: string;
  postgres: string;
  pgBasebackup: string;
  pgbouncer: string;
  redisServer: string;
  redisCli: string;
}

/** A missing binary and the Debian package that provides it. */
interface Missing {
  path: string;
  debianPackage: string;
}

/**
 * The real PostgreSQL binaries of the newest installed major version. Never `pg_ctl`/`postgres` from PATH:
 * `/usr/local/bin` may hold stray wrappers.
 */
function findBinaries(): Binaries | { missing: Missing[] } {
  const missing: Missing[] = [];
  const pgRoot = "/usr/lib/postgresql";
  const versions = existsSync(pgRoot)
    ? readdirSync(pgRoot)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(pgRoot, v, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const pgBin = versions.length > 0 ? join(pgRoot, versions[0], "bin") : undefined;
  if (pgBin === undefined) missing.push({ path: `${pgRoot}/<version>/bin/postgres`, debianPackage: "postgresql" });
  const pick = (debianPackage: string, candidates: string[]): string => {
    const found = candidates.find((c) => existsSync(c));
    if (found === undefined) missing.push({ path: candidates[0], debianPackage });
    return found ?? "";
  };
  const binaries: Binaries = {
    initdb: pgBin === undefined ? "" : join(pgBin, "initdb"),
    postgres: pgBin === undefined ? "" : join(pgBin, "postgres"),
    pgBasebackup: pgBin === undefined ? "" : join(pgBin, "pg_basebackup"),
    pgbouncer: pick("pgbouncer", ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]),
    redisServer: pick("redis-server", ["/usr/bin/redis-server"]),
    redisCli: pick("redis-tools", ["/usr/bin/redis-cli"]),
  };
  return missing.length > 0 ? { missing } : binaries;
}

let binariesPromise: Promise<Binaries> | undefined;

/**
 * Finds the server binaries, installing the Debian packages of the missing ones first (CI starts from a
 * clean machine as root); packages already installed are left as they are. The install runs under a
 * host-wide flock so parallel jest workers do not race apt.
 */
export function ensureBinaries(): Promise<Binaries> {
  binariesPromise ??= (async () => {
    const first = findBinaries();
    if (!("missing" in first)) return first;
    const packages = [...new Set(first.missing.map((m) => m.debianPackage))].join(" ");
    const paths = first.missing.map((m) => m.path).join(", ");
    if (process.getuid?.() !== 0) {
      throw new Error(
        `services harness: missing ${paths}; install as root: apt-get install -y --no-install-recommends ${packages}`,
      );
    }
    const script = `apt-get update -qq && apt-get install -y -qq --no-install-recommends ${packages}`;
    await execFileAsync("flock", ["/tmp/storyforge-apt.lock", "sh", "-c", script], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const second = findBinaries();
    if ("missing" in second) {
      const still = second.missing.map((m) => m.path).join(", ");
      throw new Error(`services harness: apt-get install ${packages} finished but ${still} still missing`);
    }
    return second;
  })();
  binariesPromise.catch(() => (binariesPromise = undefined));
  return binariesPromise;
}

/** The account the servers run as: PostgreSQL and PgBouncer refuse to run as root. */
export interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/** `postgres` (created by the Debian package), else `nobody`; undefined when we are not root (run as ourselves). */
export function serverUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((line) => line.split(":"));
  for (const wanted of ["postgres", "nobody"]) {
    const entry = passwd.find((fields) => fields[0] === wanted);
    if (entry !== undefined) return { name: wanted, uid: Number(entry[2]), gid: Number(entry[3]) };
  }
  throw new Error("services harness: running as root but neither user `postgres` nor `nobody` exists");
}

/**
 * Ports are drawn at random below Linux's ephemeral range (32768+), so a client's outgoing connection can
 * never take a port between our check and the server's bind; a lost race with another harness shows up as a
 * bind failure, which `startServices` retries with fresh ports.
 */
const PORT_MIN = 20_000;
const PORT_MAX = 32_000;
const handedOut = new Set<number>();

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempts = 0; ports.length < count; attempts++) {
    if (attempts > 1000) throw new Error(`services harness: found only ${ports.length} of ${count} free ports`);
    const port = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN));
    if (handedOut.has(port) || !(await portIsFree(port))) continue;
    handedOut.add(port);
    ports.push(port);
  }
  return ports;
}

/**
 * The real `process`. Inside a jest test file `process` is a copy whose listeners never hear real signals;
 * a function built by a host-realm Function constructor evaluates in the host realm.
 */
export function hostProcess(): NodeJS.Process {
  const HostFunction = EventEmitter.constructor as FunctionConstructor;
  return HostFunction("return process")() as NodeJS.Process;
}

interface OwnerRecord {
  pid: number;
  serverPids: number[];
}

const TMPFS_MAGIC = 0x01021994;
const SHM = "/dev/shm";

/**
 * Where instance directories go: /dev/shm when it is a tmpfs with room (measured on the shared 2-core
 * machine under I/O load: start-up 2.3-3.4 s there against 8-18 s on disk), else the OS temp directory.
 * STORYFORGE_SERVICES_TMPDIR overrides both.
 */
export function instanceRoot(): string {
  const override = process.env.STORYFORGE_SERVICES_TMPDIR;
  if (override !== undefined && override !== "") return override;
  try {
    const fs = statfsSync(SHM);
    if (fs.type === TMPFS_MAGIC && fs.bavail * fs.bsize >= 2 * 1024 ** 3) return SHM;
  } catch {
    // no /dev/shm
  }
  return tmpdir();
}

/** A fresh instance directory owned by the server user, with an owner record the reaper can read. */
export function createInstanceDir(name: string, user: RunAs | undefined): string {
  const safe = name.replace(/[^a-zA-Z0-9_-]/g, "-").slice(0, 24);
  const dir = mkdtempSync(join(instanceRoot(), `${INSTANCE_DIR_PREFIX}${safe}-`));
  if (user !== undefined) chownSync(dir, user.uid, user.gid);
  recordOwner(dir, []);
  return dir;
}

/** The owner record lives beside, not inside, the server-owned directory, so it stays root-writable. */
function ownerFile(dir: string): string {
  return `${dir}.owner.json`;
}

export function recordOwner(dir: string, serverPids: number[]): void {
  const record: OwnerRecord = { pid: hostProcess().pid, serverPids };
  writeFileSync(ownerFile(dir), JSON.stringify(record));
}

export function removeInstanceDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  rmSync(ownerFile(dir), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Our servers only (every server runs with its working directory inside the instance directory). */
function isOurServer(pid: number, dir: string): boolean {
  try {
    return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
  } catch {
    return false;
  }
}

/**
 * Removes instance directories whose owning process is gone (a run killed with SIGKILL), killing any of
 * their servers that survived. Servers normally die with their owner (parent-death signal), so this
 * mostly deletes files. Returns the directories it removed.
 */
export function reapStaleInstances(): string[] {
  const reaped: string[] = [];
  for (const root of new Set([instanceRoot(), tmpdir(), SHM])) {
    if (existsSync(root)) reaped.push(...reapIn(root));
  }
  return reaped;
}

function reapIn(root: string): string[] {
  const reaped: string[] = [];
  for (const entry of readdirSync(root)) {
    if (!entry.startsWith(INSTANCE_DIR_PREFIX) || !entry.endsWith(".owner.json")) continue;
    const dir = join(root, entry.slice(0, -".owner.json".length));
    let record: OwnerRecord;
    try {
      record = JSON.parse(readFileSync(join(root, entry), "utf8")) as OwnerRecord;
    } catch {
      continue; // being written right now by its owner
    }
    if (isAlive(record.pid)) continue;
    for (const pid of record.serverPids) {
      if (isOurServer(pid, dir)) process.kill(pid, "SIGKILL");
    }
    removeInstanceDir(dir);
    reaped.push(dir);
  }
  return reaped;
}

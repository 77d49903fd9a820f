/**
 * A cache of finished plans under .tmp/plans/, so a test run starts each distinct program run once: thirty test
 * files read eight plans. A plan is keyed by everything that can change it: the project, the stack, the config the
 * engine hands the program (stack file, overrides, project defaults), the run mode, the Node version, and the
 * bytes of every file of the repository a program, its mock tables or its image build can read (all but tests,
 * docs, benchmarks, the policy pack, the other tools and local state). Any edit there is a new key; nothing is ever
 * stale, only unused.
 *
 * Several processes may want the same plan at once (jest workers, `npm run cost -- --diff`): the first takes a
 * lock file and the others wait for its result. STORYFORGE_PLAN_CACHE=off plans afresh and writes nothing.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * Top-level folders no program reads (a program never imports a tool or the pack: the layers run one way), so
 * editing them keeps every cached plan valid. Of tools/, only the plan harness and its mock tables count.
 */
const NOT_READ_BY_PROGRAMS = new Set([
  ".git",
  "node_modules",
  "dist",
  "coverage",
  ".tmp",
  "test",
  "docs",
  "bench",
  "policies",
]);
const READ_TOOLS = new Set(["plan"]);
const NOT_READ_SUFFIXES = [".md", ".log", ".tgz"];

/** A digest of the repository files programs can read (paths and contents, in sorted order). */
export function sourcesDigest(root: string): string {
  const hash = createHash("sha256");
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (dir === root && NOT_READ_BY_PROGRAMS.has(entry.name)) continue;
      if (dir === join(root, "tools") && !READ_TOOLS.has(entry.name)) continue;
      if (entry.name === "node_modules" || entry.name === "dist") continue;
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile() && !NOT_READ_SUFFIXES.some((s) => entry.name.endsWith(s))) {
        hash.update(relative(root, path)).update("\0").update(readFileSync(path)).update("\0");
      }
    }
  };
  visit(root);
  return hash.digest("hex");
}

export interface CacheKeyParts {
  project: string;
  stack: string;
  config: Record<string, string>;
  mode: string;
  sources: string;
}

export function cacheKey(parts: CacheKeyParts): string {
  const config = Object.fromEntries(Object.entries(parts.config).sort(([a], [b]) => a.localeCompare(b)));
  return createHash("sha256")
    .update(JSON.stringify({ ...parts, config, node: process.version }))
    .digest("hex")
    .slice(0, 32);
}

export function cacheEnabled(): boolean {
  return process.env.STORYFORGE_PLAN_CACHE !== "off";
}

const LOCK_STALE_MS = 15 * 60_000;
const POLL_MS = 250;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock is someone else's and still meaningful: its holder lives and it is not ancient. */
function lockHeld(lock: string): boolean {
  try {
    const pid = Number(readFileSync(lock, "utf8"));
    return pid !== process.pid && alive(pid) && Date.now() - statSync(lock).mtimeMs < LOCK_STALE_MS;
  } catch {
    return false;
  }
}

/**
 * The cached value for `key`, else `compute()`'s, stored for the next caller. A failed computation stores nothing:
 * the next caller computes (and fails) again. `onWait` is told once when another process holds the lock.
 */
export async function cached<T>(dir: string, key: string, compute: () => Promise<T>, onWait?: () => void): Promise<T> {
  if (!cacheEnabled()) return compute();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${key}.json`);
  const lock = join(dir, `${key}.lock`);
  let told = false;
  for (;;) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as T;
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (!lockHeld(lock)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (!told) onWait?.();
      told = true;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  try {
    const value = await compute();
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, file);
    return value;
  } finally {
    rmSync(lock, { force: true });
  }
}

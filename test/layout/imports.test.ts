/**
 * The layers of the repository (issue 10 §2) and the only directions their imports may run:
 * tools/ → policies/ → infra/ → stacks/ (previews/ beside policies/), and app/, worker/ → core/.
 * A program (infra/, previews/) never imports a tool; stacks/ imports nothing of the others.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = join(__dirname, "..", "..");

/** What each top-level folder may import, besides itself and npm packages. */
export const ALLOWED: Record<string, readonly string[]> = {
  stacks: [],
  infra: ["stacks"],
  previews: ["infra", "stacks"],
  policies: ["infra", "stacks"],
  tools: ["policies", "previews", "infra", "stacks"],
  core: [],
  app: ["core"],
  worker: ["core"],
  // The benchmark drives the API and worker against the test suite's local services harness.
  bench: ["core", "app", "worker", "test"],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === "node_modules" || entry === "dist") return [];
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']*)["']/gm;

/** `from → to` for every relative import that leaves its folder against ALLOWED, as repository paths. */
export function violations(root: string, allowed: Record<string, readonly string[]> = ALLOWED): string[] {
  const found: string[] = [];
  for (const top of Object.keys(allowed)) {
    let files: string[];
    try {
      files = sources(join(root, top));
    } catch {
      continue;
    }
    for (const file of files) {
      for (const match of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
        const target = relative(root, resolve(dirname(file), match[1]));
        const targetTop = target.split("/")[0];
        if (targetTop !== top && !allowed[top].includes(targetTop)) found.push(`${relative(root, file)} → ${target}`);
      }
    }
  }
  return found.sort();
}

describe("layers", () => {
  it("every import runs with the arrows: tools → policies → infra → stacks, app and worker → core", () => {
    expect(violations(ROOT)).toEqual([]);
  });

  it("stacks/ imports nothing of the other folders, and no program imports a tool", () => {
    expect(ALLOWED.stacks).toEqual([]);
    for (const program of ["infra", "previews"]) expect(ALLOWED[program]).not.toContain("tools");
    for (const layer of Object.keys(ALLOWED)) if (layer !== "bench") expect(ALLOWED[layer]).not.toContain("test");
  });
});

/**
 * Every path the repository names (in code comments, docs, YAML and scripts) points at something that exists, so a
 * reader who follows a reference never lands nowhere (issue 10 §6).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
const TOP = "(?:infra|previews|stacks|policies|tools|core|app|worker|test|bench|docs)";
/** A repository path: a top-level folder, then segments, ending in a file with an extension or a folder's slash. */
const PATH = new RegExp(
  `(?<![\\w./@-])(${TOP}/[\\w.-]+(?:/[\\w.-]+)*(?:\\.(?:ts|json|md|yaml|yml|sql)|/))(?![\\w/-])`,
  "g",
);

/** Paths named in `text` that do not exist under `root`. Globs and placeholders (`*`, `<x>`) are not paths. */
export function brokenReferences(root: string, files: readonly string[]): string[] {
  const broken = new Set<string>();
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8");
    for (const [, path] of text.matchAll(PATH)) {
      if (!existsSync(join(root, path))) broken.add(`${file}: ${path}`);
    }
  }
  return [...broken].sort();
}

function trackedTextFiles(): string[] {
  return execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter((f) => /\.(ts|md|yaml|yml|json|js|mjs|sh)$|^\.ci\/|^Dockerfile$|^\.dockerignore$/.test(f))
    .filter((f) => f !== "package-lock.json" && !f.startsWith("test/cost/fixtures/") && existsSync(join(ROOT, f)));
}

describe("references", () => {
  it("every repository path named in code, docs and config exists", () => {
    expect(brokenReferences(ROOT, trackedTextFiles())).toEqual([]);
  });
});

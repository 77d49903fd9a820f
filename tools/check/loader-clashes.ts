/**
 * The Pulumi CLI loads a program with Node's `require` extended by ts-node, which appends `.ts` after Node's own
 * extensions: `import "./foo"` loads foo.js, else foo.json, else foo.node, and only then foo.ts. tsx, jest and
 * esbuild prefer foo.ts. So a foo.json (or .js, .node) beside foo.ts is a module that means one thing in every test
 * and another under `pulumi up`: the cost catalog's JSON beside infra/lib/cost/catalog.ts crashed every deploy that way.
 */
import { readdirSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";

/** Extensions Node's CommonJS resolver tries before ts-node's `.ts`, in its order. */
export const NODE_EXTENSIONS = [".js", ".json", ".node"] as const;

export interface LoaderClash {
  /** The TypeScript module a test loads. */
  module: string;
  /** The file `pulumi up` loads instead. */
  loadedInstead: string;
}

/** Each `.ts` module (not a `.d.ts`) that a `.js`, `.json` or `.node` file of the same name in its folder shadows. */
export function loaderClashes(files: readonly string[]): LoaderClash[] {
  const present = new Set(files);
  const clashes: LoaderClash[] = [];
  for (const file of files) {
    if (!file.endsWith(".ts") || file.endsWith(".d.ts")) continue;
    const stem = join(dirname(file), basename(file, ".ts"));
    const winner = NODE_EXTENSIONS.map((ext) => `${stem}${ext}`).find((f) => present.has(f));
    if (winner !== undefined) clashes.push({ module: file, loadedInstead: winner });
  }
  return clashes.sort((a, b) => a.module.localeCompare(b.module));
}

/** Folders that hold no source of ours. */
const SKIPPED = new Set(["node_modules", ".git", "dist", "coverage", ".tmp"]);

/** Every file under `root`, relative to it, dependencies and build output left out. */
export function repositoryFiles(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name)) visit(join(dir, entry.name));
      } else {
        out.push(relative(root, join(dir, entry.name)));
      }
    }
  };
  visit(root);
  return out.sort();
}

/**
 * Writes policies/taggable-types.json: every @pulumi/aws resource type whose `XxxArgs` interface has a `tags`
 * input, read from the installed provider package rather than guessed. Re-run after upgrading @pulumi/aws:
 *
 *   npx tsx tools/gen/taggable-types.ts
 *
 * test/policies/tags.test.ts checks the committed file against the installed package.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const OUTPUT = join(__dirname, "..", "..", "policies", "taggable-types.json");

function providerRoot(): string {
  return dirname(require.resolve("@pulumi/aws/package.json"));
}

function* declarationFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== "node_modules" && entry !== "types") yield* declarationFiles(path);
    } else if (entry.endsWith(".d.ts") && entry !== "index.d.ts") {
      yield path;
    }
  }
}

/** The type tokens of resources whose Args declare `tags?:`, sorted. */
export function taggableTypes(root: string = providerRoot()): string[] {
  const tokens = new Set<string>();
  for (const dts of declarationFiles(root)) {
    const text = readFileSync(dts, "utf8");
    const js = readFileSync(dts.replace(/\.d\.ts$/, ".js"), "utf8");
    const token = /__pulumiType = ['"]([^'"]+)['"]/.exec(js)?.[1];
    if (token === undefined) continue;
    const className = token.slice(token.lastIndexOf(":") + 1);
    const args = new RegExp(`export interface ${className}Args \\{([\\s\\S]*?)\\n\\}`).exec(text)?.[1];
    if (args !== undefined && /^\s+tags\?:/m.test(args)) tokens.add(token);
  }
  return [...tokens].sort();
}

if (require.main === module) {
  const types = taggableTypes();
  writeFileSync(OUTPUT, `${JSON.stringify(types, null, 1)}\n`);
  process.stdout.write(`wrote ${types.length} taggable AWS resource types to ${OUTPUT}\n`);
}

// Maintenance script, not a test: re-extracts schemas.json from a local clone (git dir) of
// opensearch-project/opensearch-api-specification. Usage:
//   npx tsx test/app/unit/opensearch-spec/extract.ts <spec git dir> [commit]
// It takes the request-body schemas of indices.create, bulk and search, and every schema they reference
// (transitively), trimmed where marked in TRIM/KEEP_BRANCHES to what StoryForge sends; refs are rewritten to
// `#/$defs/<file>:<name>` so the output is one self-contained JSON Schema document ajv can compile.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, posix } from "node:path";
import { parse } from "yaml";

const [gitDir, commitArg] = process.argv.slice(2);
if (gitDir === undefined) throw new Error("usage: extract.ts <spec git dir> [commit]");
const commit = commitArg ?? execFileSync("git", ["--git-dir", gitDir, "rev-parse", "HEAD"]).toString().trim();
const files = new Map<string, unknown>();
const load = (file: string): unknown => {
  if (!files.has(file))
    files.set(file, parse(execFileSync("git", ["--git-dir", gitDir, "show", `${commit}:${file}`]).toString()));
  return files.get(file);
};

/** Properties kept of the big objects: the ones StoryForge's requests use; the others are removed. */
const TRIM: Record<string, string[]> = {
  "indices._common.yaml:IndexSettings": [
    "index",
    "number_of_shards",
    "number_of_replicas",
    "refresh_interval",
    "analysis",
  ],
  "indices._common.yaml:IndexSettingsAnalysis": ["analyzer"],
  "_common.query_dsl.yaml:QueryContainer": ["bool", "multi_match", "term"],
  "_common.query_dsl.yaml:BoolQuery": [
    "must",
    "filter",
    "should",
    "must_not",
    "minimum_should_match",
    "boost",
    "_name",
  ],
  search: ["size", "from", "query", "sort", "track_total_hits", "_source"],
};
/** oneOf/anyOf branches kept (by referenced schema name) where the full list pulls in every analyzer. */
const KEEP_BRANCHES: Record<string, string[]> = {
  "_common.analysis.yaml:Analyzer": ["CustomAnalyzer"],
};

/**
 * Objects meant to hold exactly one of their named keys, closed here: open, any one-key object (`{ created_at:
 * "desc" }`) also matches them, so a oneOf that lists them next to the right branch fails on valid requests.
 */
const CLOSE = ["_common.yaml:SortOptions", "_core.bulk.yaml:OperationContainer", "bulk.OperationContainer"];

const defs: Record<string, unknown> = {};
const keyOf = (file: string, name: string) => `${posix.basename(file)}:${name}`;
const pointer = (doc: unknown, ptr: string): unknown =>
  ptr
    .replace(/^\//, "")
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((cur, p) => (cur as Record<string, unknown>)[p], doc);

function trim(key: string, raw: unknown): unknown {
  const s = { ...(raw as Record<string, unknown>) };
  const keep = TRIM[key];
  if (keep !== undefined && typeof s.properties === "object" && s.properties !== null) {
    s.properties = Object.fromEntries(Object.entries(s.properties).filter(([p]) => keep.includes(p)));
    if (Array.isArray(s.required)) s.required = s.required.filter((p: string) => keep.includes(p));
    s.$comment = `trimmed to the properties StoryForge sends or may send: ${keep.join(", ")}`;
  }
  if (CLOSE.includes(key)) {
    s.additionalProperties = false;
    s.$comment = "closed (additionalProperties: false): it holds exactly one of its named keys";
  }
  const branches = KEEP_BRANCHES[key];
  if (branches !== undefined) {
    for (const of of ["oneOf", "anyOf"]) {
      if (Array.isArray(s[of]))
        s[of] = (s[of] as Array<{ $ref?: string }>).filter((b) => branches.some((n) => b.$ref?.endsWith(`/${n}`)));
    }
    s.$comment = `branches trimmed to: ${branches.join(", ")}`;
  }
  return s;
}

function rewrite(file: string, node: unknown): unknown {
  if (Array.isArray(node)) return node.map((n) => rewrite(file, n));
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith("x-")) continue; // vendor extensions, not JSON Schema
    if (k === "$ref" && typeof v === "string") {
      const [f, ptr] = v.split("#") as [string, string];
      const target = f === "" ? file : posix.normalize(posix.join(posix.dirname(file), f));
      const key = keyOf(target, ptr.split("/").pop() as string);
      if (!(key in defs)) add(key, target, ptr);
      out.$ref = `#/$defs/${key}`;
    } else out[k] = rewrite(file, v);
  }
  return out;
}

function add(key: string, file: string, ptr: string): void {
  defs[key] = {}; // placeholder: breaks reference cycles
  defs[key] = rewrite(file, trim(key, pointer(load(file), ptr)));
}

const body = "/content/application~1json/schema";
add("indices.create", "spec/namespaces/indices.yaml", `/components/requestBodies/indices.create${body}`);
add("search", "spec/namespaces/_core.yaml", `/components/requestBodies/search${body}`);
add("bulk.OperationContainer", "spec/schemas/_core.bulk.yaml", "/components/schemas/OperationContainer");

const out = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $comment:
    `Extracted by extract.ts from opensearch-project/opensearch-api-specification at commit ${commit}: ` +
    "spec/namespaces/indices.yaml#/components/requestBodies/indices.create, " +
    "spec/namespaces/_core.yaml#/components/requestBodies/search, " +
    "spec/schemas/_core.bulk.yaml#/components/schemas/OperationContainer, and what they reference.",
  $defs: defs,
};
const target = join(__dirname, "schemas.json");
writeFileSync(target, JSON.stringify(out, null, 1) + "\n");
process.stdout.write(`${Object.keys(defs).length} schemas, ${JSON.stringify(out).length} bytes -> ${target}\n`);

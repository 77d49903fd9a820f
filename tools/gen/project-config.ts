/**
 * Renders the two project files from their key lists, so each key is declared once and a project file cannot drift
 * from its loader: Pulumi.yaml (the tier project) from CONFIG_KEYS (stacks/config/keys.ts), previews/Pulumi.yaml (the
 * previews project) from PREVIEW_CONFIG_KEYS (stacks/preview/config.ts). `npm run gen:project-config` rewrites both;
 * a test fails when either is stale.
 */
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { stringify } from "yaml";
import { CONFIG_KEYS, type ConfigKeyDef, PROJECT } from "../../stacks/config";
import { PREVIEW_CONFIG_KEYS, PREVIEW_PROJECT } from "../../stacks/preview/config";

/** The compiler options of every Pulumi program of the repository (no test files, no jest types). */
export const PROGRAMS_TSCONFIG = "tsconfig.programs.json";

/**
 * `runtime` of a project whose program runs in `programDir` (relative to the repository root): both projects run
 * TypeScript through the CLI's nodejs runtime with npm, the same way. The CLI hands runtime.options.tsconfig to the
 * program verbatim (PULUMI_NODEJS_TSCONFIG_PATH) and @pulumi/pulumi's cmd/run resolves it against the program's
 * folder — its working directory — not against Pulumi.yaml.
 */
export function nodeRuntime(programDir: string): { name: string; options: Record<string, unknown> } {
  const tsconfig = relative(programDir, PROGRAMS_TSCONFIG).split("\\").join("/");
  return { name: "nodejs", options: { typescript: true, tsconfig, packagemanager: "npm" } };
}

function declaration(def: ConfigKeyDef): Record<string, unknown> {
  // A `flag` is declared as a string so that "" can mean "inherit the tier's value".
  const type = def.type === "flag" ? "string" : def.type;
  const out: Record<string, unknown> = { type, description: def.description };
  if (def.type === "array") out.items = { type: "string" };
  if (def.default !== undefined) out.default = def.default;
  return out;
}

function render(header: string, project: Record<string, unknown>, keys: readonly ConfigKeyDef[]): string {
  const config = Object.fromEntries(keys.map((def) => [def.key, declaration(def)]));
  return header + stringify({ ...project, config }, { lineWidth: 0 });
}

/** The tier project's Pulumi.yaml (repository root). */
export function renderProjectFile(): string {
  return render(
    "# Generated from stacks/config/keys.ts by `npm run gen:project-config`; edit the key list there.\n" +
      "# Stack files (Pulumi.<stack>.yaml) hold only values: aws:region, storyforge:tier and overrides.\n",
    {
      name: PROJECT,
      description:
        "StoryForge platform: VPC, RDS PostgreSQL, ElastiCache Redis, OpenSearch, EKS and CloudFront per capacity tier",
      runtime: nodeRuntime("infra"),
      main: "infra/",
    },
    CONFIG_KEYS,
  );
}

/** The previews project's previews/Pulumi.yaml. */
export function renderPreviewProjectFile(): string {
  return render(
    "# Generated from stacks/preview/config.ts by `npm run gen:project-config`; edit the key list there.\n" +
      "# Preview stacks (Pulumi.preview-<name>.yaml) are made by `npm run preview -- up` from Pulumi.preview.yaml.\n",
    {
      name: PREVIEW_PROJECT,
      description: "StoryForge preview stacks: a branch's API, worker, PostgreSQL and Redis in a tier stack's cluster",
      runtime: nodeRuntime("previews"),
      main: "index.ts",
    },
    PREVIEW_CONFIG_KEYS,
  );
}

export const PROJECT_FILES: ReadonlyArray<{ path: string; render: () => string }> = [
  { path: "Pulumi.yaml", render: renderProjectFile },
  { path: join("previews", "Pulumi.yaml"), render: renderPreviewProjectFile },
];

if (require.main === module) {
  for (const file of PROJECT_FILES) {
    writeFileSync(join(__dirname, "..", "..", file.path), file.render());
    process.stdout.write(`${file.path} written\n`);
  }
}

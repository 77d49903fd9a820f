/**
 * Renders Pulumi.yaml from CONFIG_KEYS, so each key is declared once (in stacks/config/keys.ts) and the project file
 * cannot drift from the loader. `npm run gen:project-config` rewrites Pulumi.yaml; a test fails when it is stale.
 */
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { stringify } from "yaml";
import { CONFIG_KEYS, type ConfigKeyDef, PROJECT } from "../../stacks/config";

function declaration(def: ConfigKeyDef): Record<string, unknown> {
  // A `flag` is declared as a string so that "" can mean "inherit the tier's value".
  const type = def.type === "flag" ? "string" : def.type;
  const out: Record<string, unknown> = { type, description: def.description };
  if (def.type === "array") out.items = { type: "string" };
  if (def.default !== undefined) out.default = def.default;
  return out;
}

/** The compiler options of every Pulumi program of the repository (no test files, no jest types). */
export const PROGRAMS_TSCONFIG = "tsconfig.programs.json";

/**
 * `runtime` of a project whose program runs in `programDir` (relative to the repository root). The CLI hands
 * runtime.options.tsconfig to the program verbatim (PULUMI_NODEJS_TSCONFIG_PATH) and @pulumi/pulumi's cmd/run
 * resolves it against the program's folder — its working directory — not against Pulumi.yaml.
 */
export function nodeRuntime(programDir: string): { name: string; options: Record<string, unknown> } {
  const tsconfig = relative(programDir, PROGRAMS_TSCONFIG).split("\\").join("/");
  return { name: "nodejs", options: { typescript: true, tsconfig, packagemanager: "npm" } };
}

export function renderProjectFile(): string {
  const project = {
    name: PROJECT,
    description:
      "StoryForge platform: VPC, RDS PostgreSQL, ElastiCache Redis, OpenSearch, EKS and CloudFront per capacity tier",
    runtime: nodeRuntime("infra"),
    // infra/index.ts picks the program: infra/tier.ts for a tier, infra/preview.ts for a preview stack.
    main: "infra/",
    config: Object.fromEntries(CONFIG_KEYS.map((def) => [def.key, declaration(def)])),
  };
  const header =
    "# Generated from stacks/config/keys.ts by `npm run gen:project-config`; edit the key list there.\n" +
    "# Stack files (Pulumi.<stack>.yaml) hold only values: aws:region, storyforge:tier and overrides.\n";
  return header + stringify(project, { lineWidth: 0 });
}

if (require.main === module) {
  writeFileSync(join(__dirname, "..", "..", "Pulumi.yaml"), renderProjectFile());
  process.stdout.write("Pulumi.yaml written\n");
}

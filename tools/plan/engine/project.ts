/**
 * What the CLI reads before it starts a Node.js program: Pulumi.yaml (name, runtime options, main), the stack's
 * config merged with the project's config defaults, and the program directory. Sources, pulumi/pulumi v3.248.0:
 * pkg/engine/project.go getPwdMain; sdk/go/common/workspace/config.go mergeConfig, createConfigValue;
 * sdk/nodejs/cmd/pulumi-language-nodejs/main.go parseOptions, constructConfig.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse } from "yaml";

/** `runtime.options` of a nodejs project (main.go parseOptions). */
export interface NodeRuntimeOptions {
  /** Default true: PULUMI_NODEJS_TYPESCRIPT=true, cmd/run registers ts-node. */
  typescript: boolean;
  /** Passed verbatim as PULUMI_NODEJS_TSCONFIG_PATH; cmd/run resolves it against the program directory. */
  tsconfig?: string;
  /** Split and put before the run script. */
  nodeargs?: string;
  packagemanager?: string;
}

export interface Project {
  /** The folder holding Pulumi.yaml. */
  root: string;
  name: string;
  runtime: string;
  options: NodeRuntimeOptions;
  main?: string;
  /** Project-level config: key → default (undefined when the key declares none). */
  configDefaults: Record<string, unknown>;
}

export class ProjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProjectError";
  }
}

export function readProject(root: string): Project {
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => join(root, f)).find((f) => existsSync(f));
  if (!file) throw new ProjectError(`no Pulumi.yaml in ${root}`);
  const doc = (parse(readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
  const runtime = (typeof doc.runtime === "string" ? { name: doc.runtime } : (doc.runtime ?? {})) as {
    name?: string;
    options?: Record<string, unknown>;
  };
  const raw = runtime.options ?? {};
  const options: NodeRuntimeOptions = { typescript: true };
  if ("typescript" in raw) {
    if (typeof raw.typescript !== "boolean")
      throw new ProjectError(`${file}: runtime.options.typescript must be a boolean`);
    options.typescript = raw.typescript;
  }
  for (const key of ["tsconfig", "nodeargs", "packagemanager"] as const) {
    if (key in raw) options[key] = String(raw[key]);
  }
  const configDefaults: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries((doc.config ?? {}) as Record<string, unknown>)) {
    if (spec !== null && typeof spec === "object") {
      const s = spec as Record<string, unknown>;
      configDefaults[key] = "default" in s ? s.default : "value" in s ? s.value : undefined;
    } else {
      configDefaults[key] = spec;
    }
  }
  return {
    root: resolve(root),
    name: String(doc.name),
    runtime: String(runtime.name),
    options,
    main: typeof doc.main === "string" ? doc.main : undefined,
    configDefaults,
  };
}

/** getPwdMain: for a directory `main` the program directory is that folder and the entry point "."; for a file, its folder and its name. */
export function getPwdMain(root: string, main: string | undefined): { pwd: string; main: string } {
  if (!main) return { pwd: root, main: "." };
  const full = isAbsolute(main) ? main : join(root, main);
  if (statSync(full).isDirectory()) return { pwd: full.replace(/\/+$/, ""), main: "." };
  return { pwd: dirname(full), main: full.slice(dirname(full).length + 1) };
}

/** Go's fmt.Sprintf("%v") for a scalar, JSON for lists and maps (config.go createConfigValue). */
export function configString(value: unknown): string {
  if (value === null || value === undefined) return "";
  // Numbers and booleans print the same in JSON as with %v; lists and maps are JSON.
  return typeof value === "string" ? value : JSON.stringify(value);
}

function qualify(projectName: string, key: string): string {
  return key.includes(":") ? key : `${projectName}:${key}`;
}

/**
 * The config the engine hands the language host (RunRequest.config, keys `namespace:key`): `values` (the stack
 * file's, then overrides), then project defaults for keys not set. A project key declared without a default that
 * the stack does not set stops it before the program runs, with the CLI's own message
 * (workspace/config.go missingStackConfigurationKeysError). Secure values are refused: the plan has no secrets
 * provider, and a plan must not need one.
 */
export function stackConfig(
  project: Project,
  values: Record<string, unknown>,
  file: string,
  stack: string,
): Record<string, string> {
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value !== null && typeof value === "object" && "secure" in value) {
      throw new ProjectError(
        `${file}: ${key} is a secure value; the offline plan has no secrets provider to decrypt it`,
      );
    }
    config[qualify(project.name, key)] = configString(value);
  }
  const missing: string[] = [];
  for (const [key, def] of Object.entries(project.configDefaults)) {
    const full = qualify(project.name, key);
    if (full in config) continue;
    if (def !== undefined) config[full] = configString(def);
    // Only the project's own namespace is required; `aws:region` declared without a value is not (mergeConfig).
    else if (full.slice(0, full.indexOf(":")) === project.name) missing.push(key);
  }
  if (missing.length > 0) {
    throw new ProjectError(
      `Stack '${stack}' is missing configuration ${missing.length === 1 ? "value" : "values"} ${formatMissingKeys(missing)}`,
    );
  }
  return config;
}

/** formatMissingKeys: `'a'`, or `'a', 'b' and 'c'` (sorted). */
function formatMissingKeys(keys: string[]): string {
  if (keys.length === 1) return `'${keys[0]}'`;
  const sorted = [...keys].sort();
  return sorted
    .map((k, i) => (i === sorted.length - 1 ? `and '${k}'` : i === sorted.length - 2 ? `'${k}' ` : `'${k}', `))
    .join("");
}

/** constructConfig: the language host rewrites `ns:key` to the old `ns:config:key` form in PULUMI_CONFIG. */
export function toPulumiConfigEnv(config: Record<string, string>): string {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const i = key.indexOf(":");
    out[`${key.slice(0, i)}:config:${key.slice(i + 1)}`] = value;
  }
  return JSON.stringify(out);
}

/**
 * The configuration of a preview stack (`storyforge:tier: preview`). A preview has no tier of its own: it
 * deploys into the cluster of `storyforge:baseStack`, so the tier keys (node counts, database classes...) mean
 * nothing to it and setting one is an error, as is any unknown key.
 */
import type * as Pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, ConfigError, PREVIEW_TIER, PROJECT, unknownKeyProblem } from "../config";
import { isDnsLabel } from "./naming";

export interface PreviewConfig {
  project: string;
  /** The stack name; also the namespace the preview deploys into. */
  stack: string;
  stackFile: string;
  region: string;
  /** `org/project/stack` of the stack whose cluster, node groups and image repository the preview uses. */
  baseStack: string;
  /** Hosts are `<namespace>.<domain>`. */
  domain: string;
  /** Who deployed it and what: recorded by `npm run preview -- up` (empty in the template). */
  branch: string;
  commit: string;
  deployedBy: string;
  deployedAt: string;
}

const KEYS = new Map(CONFIG_KEYS.map((d) => [d.key, d]));
/** Stack settings a preview reads; every other declared key is a tier setting. */
const PREVIEW_KEYS = new Set([
  "tier",
  "owner",
  "baseStack",
  "previewDomain",
  "previewBranch",
  "previewCommit",
  "previewOwner",
  "previewDeployedAt",
]);
const STACK_REFERENCE = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const DOMAIN = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The engine passes declared defaults along as strings (lists as JSON); the plan harness as YAML values. */
function isDefault(raw: unknown, declared: unknown): boolean {
  if (declared === undefined) return false;
  const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  return text(raw) === text(declared);
}

/** True when the stack's `storyforge:tier` is `preview`. */
export function isPreviewConfig(values: Record<string, unknown>): boolean {
  return values[`${PROJECT}:tier`] === PREVIEW_TIER;
}

/** Validates a preview stack's raw config. Pure; errors name the key, the value and the file. */
export function resolvePreviewConfig(input: {
  stack: string;
  stackFile: string;
  values: Record<string, unknown>;
}): PreviewConfig {
  const { stack, stackFile, values } = input;
  const problems: string[] = [];
  const str = (key: string): string => {
    const v = values[`${PROJECT}:${key}`];
    if (v === undefined) return "";
    if (typeof v !== "string") {
      problems.push(`${stackFile}: ${PROJECT}:${key} must be a string, got ${JSON.stringify(v)}`);
      return "";
    }
    return v;
  };

  for (const [fullKey, raw] of Object.entries(values)) {
    const [ns, ...rest] = fullKey.split(":");
    if (ns !== PROJECT) continue;
    const key = rest.join(":");
    const def = KEYS.get(key);
    if (!def) problems.push(unknownKeyProblem(stackFile, fullKey));
    else if (!PREVIEW_KEYS.has(key) && !isDefault(raw, def.default)) {
      problems.push(
        `${stackFile}: ${fullKey} is a tier setting and has no effect on a preview stack (it uses ${PROJECT}:baseStack's cluster); remove it`,
      );
    }
  }
  if (str("tier") !== PREVIEW_TIER)
    problems.push(
      `${stackFile}: ${PROJECT}:tier must be ${PREVIEW_TIER}, got ${JSON.stringify(values[`${PROJECT}:tier`])}`,
    );
  const baseStack = str("baseStack");
  if (!STACK_REFERENCE.test(baseStack)) {
    problems.push(
      `${stackFile}: ${PROJECT}:baseStack must name the base stack as org/project/stack (e.g. organization/storyforge/v1), got ${JSON.stringify(baseStack)}`,
    );
  }
  const domain = str("previewDomain");
  if (!DOMAIN.test(domain)) {
    problems.push(
      `${stackFile}: ${PROJECT}:previewDomain must be a DNS zone such as preview.example.com, got ${JSON.stringify(domain)}`,
    );
  }
  if (!isDnsLabel(stack))
    problems.push(
      `${stackFile}: the stack name ${JSON.stringify(stack)} is not a valid namespace name (a DNS-1123 label)`,
    );
  const deployedAt = str("previewDeployedAt");
  if (deployedAt !== "" && Number.isNaN(new Date(deployedAt).getTime())) {
    problems.push(`${stackFile}: ${PROJECT}:previewDeployedAt must be an ISO time, got ${JSON.stringify(deployedAt)}`);
  }
  const region = values["aws:region"];
  if (typeof region !== "string" || region === "")
    problems.push(`${stackFile}: aws:region is required, e.g. us-east-1`);
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    project: PROJECT,
    stack,
    stackFile,
    region: region as string,
    baseStack,
    domain,
    branch: str("previewBranch"),
    commit: str("previewCommit"),
    deployedBy: str("previewOwner"),
    deployedAt,
  };
}

/** Reads the running stack's config from the Pulumi runtime. */
export function loadPreviewConfig(): PreviewConfig {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumi = require("@pulumi/pulumi") as typeof Pulumi;
  const stack = pulumi.getStack();
  return resolvePreviewConfig({ stack, stackFile: `Pulumi.${stack}.yaml`, values: pulumi.runtime.allConfig() });
}

/** Whether the running stack is a preview (read before anything else is built). */
export function runningPreview(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumi = require("@pulumi/pulumi") as typeof Pulumi;
  return isPreviewConfig(pulumi.runtime.allConfig());
}

/**
 * The configuration of a preview stack: a stack of the previews project (previews/Pulumi.yaml, project
 * `storyforge-preview`), so its keys are `storyforge-preview:*`, declared here once and mirrored into
 * previews/Pulumi.yaml by `npm run gen:project-config`. A preview has no tier of its own: it deploys into the cluster
 * of `storyforge-preview:baseStack`, so the tier project's keys mean nothing to it and setting one is an error, as is
 * any unknown key.
 */
import type * as Pulumi from "@pulumi/pulumi";
import { ConfigError, type ConfigKeyDef, editDistance, PROJECT } from "../config";
import { isDnsLabel } from "./naming";

/** The previews project's name (previews/Pulumi.yaml), which is also its config namespace. */
export const PREVIEW_PROJECT = "storyforge-preview";

/** Every `storyforge-preview:*` key. previews/Pulumi.yaml is generated from this list; a test keeps them equal. */
export const PREVIEW_CONFIG_KEYS: readonly ConfigKeyDef[] = [
  {
    key: "baseStack",
    type: "string",
    description:
      "The tier stack whose cluster, node groups and image repository the preview uses: org/storyforge/<stack>",
  },
  {
    key: "domain",
    type: "string",
    description:
      "DNS zone of preview hosts, <namespace>.<domain> (a wildcard record to the shared preview ALB and a wildcard ACM certificate)",
  },
  {
    key: "branch",
    type: "string",
    description: "Git branch deployed (set by `npm run preview -- up`)",
    default: "",
  },
  {
    key: "commit",
    type: "string",
    description: "Git commit deployed (set by `npm run preview -- up`)",
    default: "",
  },
  {
    key: "owner",
    type: "string",
    description: "Who deployed it: git user.email or $USER (set by `npm run preview -- up`)",
    default: "",
  },
  {
    key: "deployedAt",
    type: "string",
    description: "ISO time of the last deploy (set by `npm run preview -- up`)",
    default: "",
  },
];

export interface PreviewConfig {
  project: string;
  /** The stack name; also the namespace the preview deploys into. */
  stack: string;
  stackFile: string;
  region: string;
  /** `org/storyforge/stack` of the tier stack whose cluster, node groups and image repository the preview uses. */
  baseStack: string;
  /** Hosts are `<namespace>.<domain>`. */
  domain: string;
  /** Who deployed it and what: recorded by `npm run preview -- up` (empty in the template). */
  branch: string;
  commit: string;
  deployedBy: string;
  deployedAt: string;
}

const KEYS = new Set(PREVIEW_CONFIG_KEYS.map((d) => d.key));
/** Keys a preview stack of the tier project carried before previews had a project of their own (issue 10). */
const FORMER_KEYS: Record<string, string> = {
  baseStack: "baseStack",
  previewDomain: "domain",
  previewBranch: "branch",
  previewCommit: "commit",
  previewOwner: "owner",
  previewDeployedAt: "deployedAt",
};
const STACK_REFERENCE = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;
const DOMAIN = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The error for a key of the preview's namespace nobody declared, with the nearest declared key as a hint. */
function unknownKey(stackFile: string, key: string): string {
  let best: { key: string; d: number } | undefined;
  for (const declared of KEYS) {
    const d = editDistance(key.toLowerCase(), declared.toLowerCase());
    if (d <= 3 && (!best || d < best.d)) best = { key: declared, d };
  }
  const hint = best ? ` (did you mean ${PREVIEW_PROJECT}:${best.key}?)` : "";
  return `${stackFile}: unknown config key ${PREVIEW_PROJECT}:${key}${hint}`;
}

/** A `storyforge:*` key: the tier project's, which a preview stack does not read. */
function tierKey(stackFile: string, key: string): string {
  const former = FORMER_KEYS[key];
  if (former !== undefined) {
    return `${stackFile}: ${PROJECT}:${key} is a key of the tier project; a preview stack sets ${PREVIEW_PROJECT}:${former}`;
  }
  return `${stackFile}: ${PROJECT}:${key} is a tier setting and has no effect on a preview stack (it uses ${PREVIEW_PROJECT}:baseStack's cluster); remove it`;
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
    const v = values[`${PREVIEW_PROJECT}:${key}`];
    if (v === undefined) return "";
    if (typeof v !== "string") {
      problems.push(`${stackFile}: ${PREVIEW_PROJECT}:${key} must be a string, got ${JSON.stringify(v)}`);
      return "";
    }
    return v;
  };

  for (const fullKey of Object.keys(values)) {
    const at = fullKey.indexOf(":");
    const [ns, key] = [fullKey.slice(0, at), fullKey.slice(at + 1)];
    if (ns === PREVIEW_PROJECT && !KEYS.has(key)) problems.push(unknownKey(stackFile, key));
    else if (ns === PROJECT) problems.push(tierKey(stackFile, key));
  }
  const baseStack = str("baseStack");
  const reference = STACK_REFERENCE.exec(baseStack);
  if (reference === null) {
    problems.push(
      `${stackFile}: ${PREVIEW_PROJECT}:baseStack must name the base stack as org/${PROJECT}/stack (e.g. organization/${PROJECT}/v1), got ${JSON.stringify(baseStack)}`,
    );
  } else if (reference[2] !== PROJECT) {
    problems.push(
      `${stackFile}: ${PREVIEW_PROJECT}:baseStack must be a stack of the tier project ${PROJECT} (org/${PROJECT}/stack), got project ${JSON.stringify(reference[2])} in ${JSON.stringify(baseStack)}`,
    );
  }
  const domain = str("domain");
  if (!DOMAIN.test(domain)) {
    problems.push(
      `${stackFile}: ${PREVIEW_PROJECT}:domain must be a DNS zone such as preview.example.com, got ${JSON.stringify(domain)}`,
    );
  }
  if (!isDnsLabel(stack))
    problems.push(
      `${stackFile}: the stack name ${JSON.stringify(stack)} is not a valid namespace name (a DNS-1123 label)`,
    );
  const deployedAt = str("deployedAt");
  if (deployedAt !== "" && Number.isNaN(new Date(deployedAt).getTime())) {
    problems.push(`${stackFile}: ${PREVIEW_PROJECT}:deployedAt must be an ISO time, got ${JSON.stringify(deployedAt)}`);
  }
  const region = values["aws:region"];
  if (typeof region !== "string" || region === "")
    problems.push(`${stackFile}: aws:region is required, e.g. us-east-1`);
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    project: PREVIEW_PROJECT,
    stack,
    stackFile,
    region: region as string,
    baseStack,
    domain,
    branch: str("branch"),
    commit: str("commit"),
    deployedBy: str("owner"),
    deployedAt,
  };
}

/** Reads the running stack's config from the Pulumi runtime (a real `pulumi up` in previews/, or the plan harness). */
export function loadPreviewConfig(): PreviewConfig {
  // Imported here so the pure functions above can be used without the Pulumi SDK loaded.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumi = require("@pulumi/pulumi") as typeof Pulumi;
  const stack = pulumi.getStack();
  return resolvePreviewConfig({
    stack,
    stackFile: `previews/Pulumi.${stack}.yaml`,
    values: pulumi.runtime.allConfig(),
  });
}

/**
 * The preview commands (`npm run preview -- up | destroy | list | gc`), on Pulumi's Automation API. Each
 * command takes its surroundings (the Pulumi CLI, git, the clock, the output) as `PreviewDeps`, so tests drive
 * it with a fake CLI and see every Pulumi invocation, in order, with its arguments.
 *
 * A preview is the stack `preview-<name>` of the previews project (previews/Pulumi.yaml, project storyforge-preview),
 * seeded from the template `previews/Pulumi.preview.yaml`, with its owner, branch, commit and last-deploy time
 * recorded as stack tags (read by `list` and `gc`) and as config (the program labels the namespace with them). The
 * commands pass `--stack` to every CLI call and never select a stack, so the stack a developer has selected (in
 * either project) stays selected.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SemVer } from "semver";
import { parse } from "yaml";
import {
  type ConfigMap,
  LocalWorkspace,
  PulumiCommand,
  Stack,
  type StackSummary,
  type TagMap,
} from "@pulumi/pulumi/automation";
import { formatDuration, idleFor, isIdle, lastDeployOf, type LastDeploy } from "../../stacks/preview/idle";
import { PREVIEW_PROJECT } from "../../stacks/preview/config";
import { isPreviewStack, previewStackName, shortStackName } from "../../stacks/preview/naming";
import { type PreviewStackOutputs } from "../../previews/outputs";
import { type Backend, isCloudUrl, MIN_PULUMI_CLI, qualifyBaseStack, SELF_MANAGED_ORG } from "./backend";

/** Stack tags every preview carries. Pulumi tag names allow letters, digits, `-_.:`; values up to 256 chars. */
export const PREVIEW_TAGS = {
  preview: "storyforge:preview",
  owner: "storyforge:owner",
  branch: "storyforge:branch",
  commit: "storyforge:commit",
  lastDeploy: "storyforge:last-deploy",
  url: "storyforge:url",
} as const;

/** Config keys `up` sets on top of the template (declared in stacks/preview/config.ts). */
export const PREVIEW_CONFIG = {
  baseStack: `${PREVIEW_PROJECT}:baseStack`,
  branch: `${PREVIEW_PROJECT}:branch`,
  commit: `${PREVIEW_PROJECT}:commit`,
  owner: `${PREVIEW_PROJECT}:owner`,
  deployedAt: `${PREVIEW_PROJECT}:deployedAt`,
} as const;

export const TEMPLATE_STACK = "preview";
export const INSTALL_HINT =
  "Install it with `curl -fsSL https://get.pulumi.com | sh` (or see https://www.pulumi.com/docs/iac/download-install/), then run this again.";

/** A failure the developer can act on: printed as is, without a stack trace. */
export class PreviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PreviewError";
  }
}

export interface GitInfo {
  /** Current branch; undefined on a detached HEAD or outside git. */
  branch?: string;
  commit?: string;
  /** `git config user.email`. */
  email?: string;
}

export interface PreviewDeps {
  /** The previews project: the directory holding its Pulumi.yaml and the template Pulumi.preview.yaml (previews/). */
  workDir: string;
  /**
   * The policy pack `up` deploys under (policies/) and its configuration for preview stacks
   * (policies/config.preview.json), as `pulumi up --policy-pack --policy-pack-config` would.
   */
  policyPack: { dir: string; config: string };
  /** The Pulumi CLI. Found on PATH when absent (`PulumiCommand.get`). */
  pulumiCommand?: PulumiCommand;
  env: Record<string, string | undefined>;
  now: () => Date;
  git: () => GitInfo;
  /** Progress and results, line by line or streamed. */
  write: (text: string) => void;
}

// ---------------------------------------------------------------------------------------------------------------
// Preconditions: the CLI, the backend, the template

/** The Pulumi CLI, at least MIN_PULUMI_CLI, or an error that says how to install it. */
export async function findPulumi(deps: PreviewDeps): Promise<PulumiCommand> {
  if (deps.pulumiCommand) return deps.pulumiCommand;
  try {
    return await PulumiCommand.get({ version: new SemVer(MIN_PULUMI_CLI) });
  } catch (err) {
    const text = String((err as Error).message ?? err);
    if (/ENOENT|not found/i.test(text)) {
      throw new PreviewError(`The Pulumi CLI is not installed (no \`pulumi\` on PATH). ${INSTALL_HINT}`);
    }
    const old = /your current CLI version is (\S+?)\.? Please/.exec(text);
    if (old) {
      throw new PreviewError(
        `The Pulumi CLI is ${old[1]}; previews need ${MIN_PULUMI_CLI} or later (stack tags on self-managed backends). ${INSTALL_HINT}`,
      );
    }
    throw new PreviewError(`The Pulumi CLI cannot be used: ${firstLines(text)}\n${INSTALL_HINT}`);
  }
}

/** The first meaningful lines of a CLI error (its stderr when the Automation API wrapped it). */
export function firstLines(text: string, count = 3): string {
  const stderr = /stderr:([\s\S]*?)(\n err\?:|$)/.exec(text)?.[1] ?? text;
  return stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .slice(0, count)
    .join("\n");
}

/** The workspace's own runner (internal, not in its .d.ts): the CLI in its workDir with its environment. */
function cli(workspace: LocalWorkspace): (args: string[]) => Promise<{ stdout: string }> {
  const runner = workspace as unknown as { runPulumiCmd(args: string[]): Promise<{ stdout: string }> };
  if (typeof runner.runPulumiCmd !== "function") {
    throw new Error("@pulumi/pulumi/automation: LocalWorkspace.runPulumiCmd is gone; the preview commands need it");
  }
  return (args) => runner.runPulumiCmd(args);
}

async function openWorkspace(deps: PreviewDeps): Promise<{ workspace: LocalWorkspace; backend: Backend }> {
  if (!existsSync(join(deps.workDir, "Pulumi.yaml"))) {
    throw new PreviewError(
      `no Pulumi.yaml in ${deps.workDir}: the previews project is missing (regenerate it with npm run gen:project-config)`,
    );
  }
  const backend = deps.env.PULUMI_BACKEND_URL;
  if (backend?.startsWith("file://") && !deps.env.PULUMI_CONFIG_PASSPHRASE && !deps.env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    throw new PreviewError(
      `PULUMI_BACKEND_URL is a file backend (${backend}) and neither PULUMI_CONFIG_PASSPHRASE nor ` +
        "PULUMI_CONFIG_PASSPHRASE_FILE is set: the stack's secrets need a passphrase (an empty one is allowed: PULUMI_CONFIG_PASSPHRASE=).",
    );
  }
  const pulumiCommand = await findPulumi(deps);
  const workspace = keepSelection(await LocalWorkspace.create({ workDir: deps.workDir, pulumiCommand }));
  let whoami: { user: string; url?: string };
  try {
    // --json for the backend's URL (workspace.whoAmI() asks without it when it does not know the CLI's version).
    whoami = JSON.parse((await cli(workspace)(["whoami", "--json"])).stdout) as { user: string; url?: string };
  } catch (err) {
    throw new PreviewError(
      `Pulumi has no backend or credentials: \`pulumi whoami\` failed:\n${firstLines(String((err as Error).message))}\n` +
        "Log in with `pulumi login` (Pulumi Cloud: set PULUMI_ACCESS_TOKEN), or use a local file backend: " +
        "PULUMI_BACKEND_URL=file://$HOME/.pulumi-state PULUMI_CONFIG_PASSPHRASE=... npm run preview -- up",
    );
  }
  const url = whoami.url ?? "";
  if (!isCloudUrl(url)) return { workspace, backend: { url, cloud: false, org: SELF_MANAGED_ORG } };
  // As the Cloud backend qualifies a stack name: the default org if one is set, else the user's own.
  const shown = (await cli(workspace)(["org", "get-default"])).stdout.trim();
  const org = shown === "" || shown === "No Default Org Specified" ? whoami.user : shown;
  return { workspace, backend: { url, cloud: true, org } };
}

/**
 * The Automation API selects every stack it opens (`pulumi stack select`, `stack init` without `--no-select`), which
 * changes the stack the developer's own `pulumi` commands act on. Every command below passes `--stack`, so
 * selecting is never needed: opening a stack only checks that it exists (`pulumi stack --stack`, as the Automation
 * API does for remote workspaces) and creating one leaves the selection alone.
 */
export function keepSelection(workspace: LocalWorkspace): LocalWorkspace {
  // The runner fails exactly as for the methods replaced here (StackNotFoundError), so createOrSelect still works.
  const run = cli(workspace);
  workspace.selectStack = async (stackName: string) => {
    await run(["stack", "--stack", stackName]);
  };
  workspace.createStack = async (stackName: string) => {
    const secrets = workspace.secretsProvider ? ["--secrets-provider", workspace.secretsProvider] : [];
    await run(["stack", "init", stackName, ...secrets, "--no-select"]);
  };
  return workspace;
}

/** The template's `config:` map (Pulumi.preview.yaml), as strings. */
export function readTemplate(workDir: string): Record<string, string> {
  const path = join(workDir, `Pulumi.${TEMPLATE_STACK}.yaml`);
  if (!existsSync(path)) throw new PreviewError(`the preview template ${path} is missing`);
  const doc = (parse(readFileSync(path, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(doc.config ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** The preview's stack name: from `--name`, else from the current git branch. */
export function resolveStackName(name: string | undefined, git: GitInfo): string {
  if (name !== undefined) return previewStackName(name);
  if (git.branch === undefined || git.branch === "HEAD") {
    throw new PreviewError("not on a git branch (detached HEAD or no repository): pass --name NAME");
  }
  return previewStackName(git.branch);
}

// ---------------------------------------------------------------------------------------------------------------
// up

export interface UpOptions {
  /** The preview's name (default: the git branch). */
  name?: string;
  /**
   * Base stack: a tier stack name (`v1`) or `org/storyforge/<stack>` (default: the template's baseStack), qualified
   * for the backend by qualifyBaseStack.
   */
  baseStack?: string;
}

export interface UpOutcome {
  stackName: string;
  url?: string;
  outputs: Record<string, unknown>;
}

/** Creates or selects `preview-<name>`, sets its config and tags, deploys with streamed progress, prints the URL. */
export async function up(opts: UpOptions, deps: PreviewDeps): Promise<UpOutcome> {
  const git = deps.git();
  const stackName = resolveStackName(opts.name, git);
  // The CLI and the backend first: they are what a developer's machine most often lacks.
  const { workspace, backend } = await openWorkspace(deps);
  const template = readTemplate(deps.workDir);
  const given = opts.baseStack ?? template[PREVIEW_CONFIG.baseStack];
  if (given === undefined || given === "") {
    throw new PreviewError(
      `${PREVIEW_CONFIG.baseStack} is not set in Pulumi.${TEMPLATE_STACK}.yaml: pass --base <stack> (e.g. v1)`,
    );
  }
  let baseStack: string;
  try {
    baseStack = qualifyBaseStack(given, backend);
  } catch (err) {
    throw new PreviewError((err as Error).message);
  }
  for (const path of [deps.policyPack.dir, deps.policyPack.config]) {
    if (!existsSync(path)) throw new PreviewError(`the policy pack a preview deploys under is missing: ${path}`);
  }
  const owner = git.email ?? deps.env.USER ?? "unknown";
  const branch = git.branch ?? opts.name ?? "";
  const commit = git.commit ?? "";
  const deployedAt = deps.now().toISOString();

  deps.write(
    `Preview ${stackName} (base ${baseStack}, branch ${branch || "-"}, commit ${commit.slice(0, 12) || "-"})\n`,
  );
  const stack = await Stack.createOrSelect(stackName, workspace);

  const config: ConfigMap = {};
  for (const [key, value] of Object.entries(template)) config[key] = { value };
  Object.assign(config, {
    [PREVIEW_CONFIG.baseStack]: { value: baseStack },
    [PREVIEW_CONFIG.branch]: { value: branch },
    [PREVIEW_CONFIG.commit]: { value: commit },
    [PREVIEW_CONFIG.owner]: { value: owner },
    [PREVIEW_CONFIG.deployedAt]: { value: deployedAt },
  });
  await stack.setAllConfig(config);

  // Recorded before the deploy: a deploy that fails half-way still leaves resources that gc must see.
  await setTags(stack, {
    [PREVIEW_TAGS.preview]: "true",
    [PREVIEW_TAGS.owner]: owner,
    [PREVIEW_TAGS.branch]: branch,
    [PREVIEW_TAGS.commit]: commit,
    [PREVIEW_TAGS.lastDeploy]: deployedAt,
  });

  // As the README's `pulumi up --policy-pack policies --policy-pack-config ...`: a mandatory violation stops the deploy.
  const result = await stack.up({
    onOutput: deps.write,
    policyPacks: [deps.policyPack.dir],
    policyPackConfigs: [deps.policyPack.config],
  });
  const outputs = Object.fromEntries(
    Object.entries(result.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]),
  );
  // Read by the names the program declares (PreviewStackOutputs), so a renamed output fails to compile here.
  const output = (key: keyof PreviewStackOutputs): unknown => outputs[key];
  const url = typeof output("url") === "string" ? (output("url") as string) : undefined;
  if (url) await stack.setTag(PREVIEW_TAGS.url, url);
  deps.write(`\n${stackName} is up${url ? `: ${url}` : " (no url output)"}\n`);
  if (output("incrementalCost") !== undefined)
    deps.write(`incremental cost: ${JSON.stringify(output("incrementalCost"))}\n`);
  return { stackName, url, outputs };
}

async function setTags(stack: Stack, tags: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(tags)) {
    if (value === "") continue;
    await stack.setTag(key, value.slice(0, 256));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// destroy

export interface DestroyOptions {
  name?: string;
}

/** Destroys the preview's resources, then removes the stack (its config file and history go with it). */
export async function destroy(opts: DestroyOptions, deps: PreviewDeps): Promise<{ stackName: string }> {
  const stackName = resolveStackName(opts.name, deps.git());
  const { workspace } = await openWorkspace(deps);
  await destroyAndRemove(workspace, stackName, deps);
  return { stackName };
}

async function destroyAndRemove(workspace: LocalWorkspace, stackName: string, deps: PreviewDeps): Promise<void> {
  let stack: Stack;
  try {
    stack = await Stack.select(stackName, workspace);
  } catch (err) {
    if ((err as Error).name === "StackNotFoundError") throw new PreviewError(`no preview stack named ${stackName}`);
    throw err;
  }
  deps.write(`Destroying ${stackName}\n`);
  await stack.destroy({ onOutput: deps.write });
  await workspace.removeStack(stackName);
  deps.write(`${stackName} destroyed and removed\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// list and gc

export interface PreviewInfo {
  stackName: string;
  owner?: string;
  branch?: string;
  commit?: string;
  url?: string;
  lastDeploy?: LastDeploy;
  /** Milliseconds since the last deploy; undefined when it is unknown. */
  idleMs?: number;
}

/** The project's preview stacks with their recorded metadata. */
export async function collectPreviews(workspace: LocalWorkspace, now: Date): Promise<PreviewInfo[]> {
  const summaries: StackSummary[] = await workspace.listStacks();
  const previews: PreviewInfo[] = [];
  for (const summary of summaries.filter((s) => isPreviewStack(s.name))) {
    const stackName = shortStackName(summary.name);
    const tags: TagMap = await workspace.listTags(stackName);
    const lastDeploy = lastDeployOf(tags[PREVIEW_TAGS.lastDeploy], summary.lastUpdate);
    previews.push({
      stackName,
      owner: tags[PREVIEW_TAGS.owner],
      branch: tags[PREVIEW_TAGS.branch],
      commit: tags[PREVIEW_TAGS.commit],
      url: tags[PREVIEW_TAGS.url],
      lastDeploy,
      idleMs: lastDeploy ? idleFor(lastDeploy.at, now) : undefined,
    });
  }
  return previews.sort((a, b) => a.stackName.localeCompare(b.stackName));
}

export function formatPreviews(previews: PreviewInfo[]): string {
  if (previews.length === 0) return "No preview stacks.\n";
  const rows = previews.map((p) => [
    p.stackName,
    p.owner ?? "-",
    p.branch ?? "-",
    p.commit?.slice(0, 12) ?? "-",
    p.lastDeploy
      ? `${p.lastDeploy.at.toISOString()}${p.lastDeploy.source === "backend" ? " (backend)" : ""}`
      : "unknown",
    p.idleMs === undefined ? "-" : formatDuration(p.idleMs),
    p.url ?? "-",
  ]);
  const header = ["STACK", "OWNER", "BRANCH", "COMMIT", "LAST DEPLOY", "IDLE", "URL"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return (
    [header, ...rows]
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}

export async function list(deps: PreviewDeps): Promise<PreviewInfo[]> {
  const { workspace } = await openWorkspace(deps);
  const previews = await collectPreviews(workspace, deps.now());
  deps.write(formatPreviews(previews));
  return previews;
}

export interface GcOptions {
  /** Idle limit in milliseconds (parsed from `--idle 72h`). */
  idleMs: number;
  dryRun: boolean;
}

export interface GcOutcome {
  /** Idle previews (destroyed unless dry run). */
  idle: string[];
  destroyed: string[];
  /** Previews whose last deploy is unknown: left alone. */
  unknown: string[];
  failed: Array<{ stackName: string; error: string }>;
}

/**
 * Destroys and removes every preview whose last deploy is older than the limit: idle time, never age. A
 * preview whose last deploy cannot be read is reported and kept. One failure does not stop the others.
 */
export async function gc(opts: GcOptions, deps: PreviewDeps): Promise<GcOutcome> {
  const { workspace } = await openWorkspace(deps);
  const now = deps.now();
  const previews = await collectPreviews(workspace, now);
  const idle = previews.filter((p) => p.lastDeploy !== undefined && isIdle(p.lastDeploy.at, now, opts.idleMs));
  const unknown = previews.filter((p) => p.lastDeploy === undefined).map((p) => p.stackName);
  const outcome: GcOutcome = { idle: idle.map((p) => p.stackName), destroyed: [], unknown, failed: [] };

  for (const name of unknown) deps.write(`${name}: last deploy unknown, kept\n`);
  if (idle.length === 0) deps.write(`No preview idle for longer than ${formatDuration(opts.idleMs)}.\n`);
  for (const p of idle) {
    const why = `idle ${formatDuration(p.idleMs ?? 0)} (last deploy ${p.lastDeploy!.at.toISOString()}, owner ${p.owner ?? "-"})`;
    if (opts.dryRun) {
      deps.write(`would destroy ${p.stackName}: ${why}\n`);
      continue;
    }
    deps.write(`${p.stackName}: ${why}\n`);
    try {
      await destroyAndRemove(workspace, p.stackName, deps);
      outcome.destroyed.push(p.stackName);
    } catch (err) {
      const error = firstLines(String((err as Error).message));
      outcome.failed.push({ stackName: p.stackName, error });
      deps.write(`${p.stackName}: destroy failed: ${error}\n`);
    }
  }
  return outcome;
}

/**
 * Starts a Node.js policy pack the way `pulumi preview --policy-pack <dir>` does (pulumi v3.248.0) and talks to it
 * over its Analyzer gRPC service, as the engine would.
 *
 * - sdk/go/common/resource/plugin/analyzer_plugin.go NewPolicyAnalyzer: reads <dir>/PulumiPolicy.yaml and starts the
 *   pack through the nodejs language host's RunPlugin (kind "analyzer").
 * - sdk/nodejs/cmd/pulumi-language-nodejs/main.go RunPlugin: locateModule('@pulumi/pulumi/cmd/run-policy-pack') from
 *   the pack's folder; argv `node <run-policy-pack> [nodeargs] <engine address> <pack dir>`; working directory the
 *   pack's folder; environment the CLI's plus PULUMI_NODEJS_TYPESCRIPT and, from the engine's ConfigureStack
 *   (sdk/policy_proxy.go), PULUMI_NODEJS_ORGANIZATION/_PROJECT/_STACK/_DRY_RUN and PULUMI_CONFIG (keys `ns:key`).
 * - @pulumi/policy PolicyPack: reads the version from `${cwd}/package.json`, serves on 127.0.0.1:<port> and prints
 *   the port on stdout, which the proxy reads (Fscanf "%d\n"). Then ConfigureStack, GetAnalyzerInfo, Configure,
 *   Analyze per resource and AnalyzeStack (pkg/engine/update.go).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type * as grpc from "@grpc/grpc-js";
import type * as anproto from "@pulumi/pulumi/proto/analyzer_pb";
import type { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { cliEnvironment, type Command, locateModule } from "./launch";
import type { Protos } from "./protos";
import { wireSafe } from "./wire";

/** What the engine tells the pack about the stack (AnalyzerStackConfigureRequest). */
export interface StackConfiguration {
  stack: string;
  project: string;
  organization: string;
  dryRun: boolean;
  /** `ns:key` → string. */
  config: Record<string, string>;
  tags?: Record<string, string>;
}

export class PackStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = "PackStartError";
  }
}

export interface StartedPack {
  port: number;
  client: AnalyzerClient;
  command: Command;
  /** Milliseconds from spawn to the port line. */
  ms: number;
  stderr(): string;
  stop(): Promise<void>;
}

/** The command RunPlugin runs for the pack in `packDir`. */
export function packCommand(packDir: string, engineAddress: string, stack: StackConfiguration): Command {
  const yamlPath = join(packDir, "PulumiPolicy.yaml");
  if (!existsSync(yamlPath)) {
    throw new Error(`failed to load Pulumi policy project located at "${packDir}": no PulumiPolicy.yaml`);
  }
  const doc = (parse(readFileSync(yamlPath, "utf8")) ?? {}) as { runtime?: unknown };
  const runtime = (typeof doc.runtime === "string" ? {} : (doc.runtime ?? {})) as { options?: Record<string, unknown> };
  const options = runtime.options ?? {};
  const runPath = locateModule("@pulumi/pulumi/cmd/run-policy-pack", packDir);
  const nodeArgs = typeof options.nodeargs === "string" ? options.nodeargs.split(/\s+/).filter(Boolean) : [];
  const env = cliEnvironment();
  if (options.typescript !== false) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  if (typeof options.tsconfig === "string") env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
  const set = (k: string, v: string) => {
    if (v) env[k] = v;
  };
  set("PULUMI_NODEJS_ORGANIZATION", stack.organization);
  set("PULUMI_NODEJS_PROJECT", stack.project);
  set("PULUMI_NODEJS_STACK", stack.stack);
  set("PULUMI_NODEJS_DRY_RUN", String(stack.dryRun));
  set("PULUMI_CONFIG", JSON.stringify(stack.config));
  // RunPlugin puts nodeargs after the script: they reach run-policy-pack as arguments, as under the CLI.
  return { node: process.execPath, args: [runPath, ...nodeArgs, engineAddress, packDir], cwd: packDir, env };
}

export function call<Req, Res>(
  method: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => method(req, (err, res) => (err ? reject(err) : resolve(res))));
}

/** The engine's questions, typed (the generated client's overloads defeat inference through `call`). */
export const ask = {
  info: (client: AnalyzerClient, empty: Protos["empty"]): Promise<anproto.AnalyzerInfo> =>
    new Promise((resolve, reject) =>
      client.getAnalyzerInfo(new empty.Empty(), (err, res) => (err ? reject(err) : resolve(res))),
    ),
  analyze: (client: AnalyzerClient, req: anproto.AnalyzeRequest): Promise<anproto.AnalyzeResponse> =>
    new Promise((resolve, reject) => client.analyze(req, (err, res) => (err ? reject(err) : resolve(res)))),
  analyzeStack: (client: AnalyzerClient, req: anproto.AnalyzeStackRequest): Promise<anproto.AnalyzeResponse> =>
    new Promise((resolve, reject) => client.analyzeStack(req, (err, res) => (err ? reject(err) : resolve(res)))),
};

/** Starts the pack, waits for its port, connects and forwards the stack configuration, as the policy proxy does. */
export async function startPolicyPack(
  protos: Protos,
  packDir: string,
  stack: StackConfiguration,
  timeoutMs = 300_000,
): Promise<StartedPack> {
  // The engine address is passed but unused by run-policy-pack (it drops it); no engine is needed to serve.
  const command = packCommand(packDir, "127.0.0.1:0", stack);
  const started = Date.now();
  const child: ChildProcess = spawn(command.node, command.args, {
    cwd: command.cwd,
    env: command.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  };
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new PackStartError(`the pack printed no port within ${timeoutMs / 1000} s`, err, null)),
        timeoutMs,
      );
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /^(\d+)\n/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        const said = `${out}${err}`.trim().split("\n").slice(0, 12).join("\n");
        reject(new PackStartError(`the pack exited with code ${code} before serving:\n${said}`, `${out}${err}`, code));
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  const ms = Date.now() - started;
  const client = new protos.analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, protos.grpc.credentials.createInsecure());
  const configure = new protos.analyzer.AnalyzerStackConfigureRequest();
  configure.setStack(stack.stack);
  configure.setProject(stack.project);
  configure.setOrganization(stack.organization);
  configure.setDryRun(stack.dryRun);
  for (const [k, v] of Object.entries(stack.config)) configure.getConfigMap().set(k, v);
  for (const [k, v] of Object.entries(stack.tags ?? {})) configure.getTagsMap().set(k, v);
  await call(client.configureStack.bind(client), configure);
  return {
    port,
    client,
    command,
    ms,
    stderr: () => err,
    stop: async () => {
      client.close();
      await stop();
    },
  };
}

/** analyzer.proto EnforcementLevel. */
export const ENFORCEMENT = ["advisory", "mandatory", "disabled", "remediate"] as const;

/**
 * Configure with a `--policy-pack-config` file's entries, as the engine reconciles them
 * (resourceanalyzer.ReconcilePolicyPackConfig, less the schema validation): an entry is an enforcement level or an
 * object of properties with an optional `enforcementLevel`; policies the file does not name keep their level.
 */
export async function configurePolicies(
  protos: Protos,
  client: AnalyzerClient,
  info: anproto.AnalyzerInfo,
  file: Record<string, unknown>,
): Promise<void> {
  const req = new protos.analyzer.ConfigureAnalyzerRequest();
  for (const policy of info.getPoliciesList()) {
    const entry = file[policy.getName()];
    let level: number = policy.getEnforcementlevel();
    let props: Record<string, unknown> = {};
    const levelOf = (name: unknown) => ENFORCEMENT.indexOf(name as (typeof ENFORCEMENT)[number]);
    if (typeof entry === "string" && levelOf(entry) >= 0) level = levelOf(entry);
    else if (entry !== null && typeof entry === "object") {
      const { enforcementLevel, ...rest } = entry as Record<string, unknown>;
      if (levelOf(enforcementLevel) >= 0) level = levelOf(enforcementLevel);
      props = rest;
    }
    const config = new protos.analyzer.PolicyConfig();
    config.setEnforcementlevel(level);
    config.setProperties(protos.struct.Struct.fromJavaScript(wireSafe(props) as never));
    req.getPolicyconfigMap().set(policy.getName(), config);
  }
  await call(client.configure.bind(client), req);
}

/** One resource as the engine sends it to Analyze / AnalyzeStack. */
export interface AnalyzedResource {
  type: string;
  name: string;
  urn: string;
  properties: Record<string, unknown>;
  parentUrn?: string;
  dependencies?: string[];
  protect?: boolean;
  ignoreChanges?: string[];
}

function resourceOptions(protos: Protos, r: AnalyzedResource): anproto.AnalyzerResourceOptions {
  const o = new protos.analyzer.AnalyzerResourceOptions();
  o.setProtect(r.protect ?? false);
  o.setIgnorechangesList(r.ignoreChanges ?? []);
  if (r.parentUrn) o.setParent(r.parentUrn);
  return o;
}

export function analyzeRequest(protos: Protos, r: AnalyzedResource): anproto.AnalyzeRequest {
  const req = new protos.analyzer.AnalyzeRequest();
  req.setType(r.type);
  req.setName(r.name);
  req.setUrn(r.urn);
  req.setProperties(protos.struct.Struct.fromJavaScript(wireSafe(r.properties) as never));
  req.setOptions(resourceOptions(protos, r));
  return req;
}

export function analyzeStackRequest(protos: Protos, resources: AnalyzedResource[]): anproto.AnalyzeStackRequest {
  const req = new protos.analyzer.AnalyzeStackRequest();
  req.setResourcesList(
    resources.map((r) => {
      const ar = new protos.analyzer.AnalyzerResource();
      ar.setType(r.type);
      ar.setName(r.name);
      ar.setUrn(r.urn);
      ar.setProperties(protos.struct.Struct.fromJavaScript(wireSafe(r.properties) as never));
      ar.setOptions(resourceOptions(protos, r));
      if (r.parentUrn) ar.setParent(r.parentUrn);
      ar.setDependenciesList(r.dependencies ?? []);
      return ar;
    }),
  );
  return req;
}

export interface Diagnostic {
  policy: string;
  enforcement: string;
  urn: string;
  /** The policy's description. */
  description: string;
  /** What the rule reported; @pulumi/policy sends it after the description (`<description>\n<message>`). */
  message: string;
}

export function diagnosticsOf(res: anproto.AnalyzeResponse): Diagnostic[] {
  return res.getDiagnosticsList().map((d) => {
    const description = d.getDescription();
    const sent = d.getMessage();
    return {
      policy: d.getPolicyname(),
      enforcement: ENFORCEMENT[d.getEnforcementlevel()] ?? String(d.getEnforcementlevel()),
      urn: d.getUrn(),
      description,
      message: sent.startsWith(`${description}\n`) ? sent.slice(description.length + 1) : sent,
    };
  });
}

/**
 * A local Pulumi engine endpoint: the `pulumirpc.ResourceMonitor` and `pulumirpc.Engine` gRPC services that a
 * Node.js program started by `@pulumi/pulumi/cmd/run` connects to (`--monitor`, `--engine`). It records every
 * registration with its resource options and answers from pluggable tables (the plan's strict mocks), as the CLI's
 * engine (pkg/resource/deploy/source_eval.go) and the provider plugins would. This is what `setMocks` stands in for
 * inside one process; here the program runs in its own, under the CLI's loader.
 *
 * In the real CLI the program talks to the nodejs language host's monitor proxy, which forwards to the engine
 * (sdk/nodejs/cmd/pulumi-language-nodejs/main.go `Run`); here one server plays both.
 */
import type * as grpc from "@grpc/grpc-js";
import type * as resproto from "@pulumi/pulumi/proto/resource_pb";
import type * as engproto from "@pulumi/pulumi/proto/engine_pb";
import type { Protos } from "./protos";
import { decode, wireSafe } from "./wire";

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** What the engine answers for one custom resource: the provider-assigned id and the computed state. */
export interface ResourceAnswer {
  id: string;
  state: Record<string, unknown>;
}

type Json = Record<string, unknown>;

export interface Answers {
  /** Custom resources (providers included) and reads. Throw to fail the registration. */
  resource(args: { type: string; name: string; inputs: Json; id?: string }): ResourceAnswer;
  /** Provider functions (`Invoke`). Throw to fail the invoke. */
  invoke(token: string, args: Json): Json;
}

/** The resource options a registration carries, with URNs turned into resource names. */
export interface RecordedOptions {
  /**
   * RegisterResourceRequest.dependencies: explicit `dependsOn` plus every resource an input refers to, components
   * expanded to their custom descendants (sdk/nodejs/runtime/resource.ts prepareResource, dependsOn.ts
   * getAllTransitivelyReferencedResourceURNs). The engine orders steps by this.
   */
  dependencies: string[];
  /**
   * The dependencies no input accounts for: dependencies − ∪ propertyDependencies. The SDK sends no separate
   * dependsOn field; this is the explicit `dependsOn` (components expanded), less any resource that is also an
   * input's dependency — which orders the resource just the same.
   */
  dependsOn: string[];
  /** Per input property, the resources it depends on. */
  propertyDependencies: Record<string, string[]>;
  /** proto3 `optional`: absent (undefined) is not `false`. */
  protect?: boolean;
  retainOnDelete?: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  /** Only when the program set it (deleteBeforeReplaceDefined). */
  deleteBeforeReplace?: boolean;
  /** The explicit provider's name; null for the engine's default provider. */
  provider: string | null;
  /** Component resources: package → provider name. */
  providers: Record<string, string>;
  deletedWith: string | null;
  additionalSecretOutputs: string[];
  customTimeouts: Record<string, string> | null;
  version: string | null;
}

export interface Registration {
  seq: number;
  rpc: "RegisterResource" | "ReadResource";
  type: string;
  name: string;
  urn: string;
  /** The parent's name; the root stack's children name the stack. */
  parent: string | null;
  /** The parent's URN ("" for the root stack). */
  parentUrn: string;
  custom: boolean;
  remote: boolean;
  /** Inputs as plain JSON, secrets masked. */
  inputs: Json;
  options: RecordedOptions;
  /** The id answered (custom resources; "" in preview mode). */
  id?: string;
  /** Outputs registered with RegisterResourceOutputs (components, the stack), secrets masked. */
  outputs?: Json;
}

export interface LogRecord {
  severity: "debug" | "info" | "warning" | "error";
  message: string;
  urn: string;
}

export interface EngineOptions {
  protos: Protos;
  project: string;
  stack: string;
  answers: Answers;
  /**
   * "update": answer with id and full state (what `pulumi up` sees after create). "preview": the inputs only and an
   * empty id, so every computed output is unknown to the program, as in `pulumi preview` of new resources.
   */
  mode?: "update" | "preview";
  onLog?: (log: LogRecord) => void;
}

const SEVERITY = ["debug", "info", "warning", "error"] as const;

/**
 * The features the real engine reports (source_eval.go supportsFeature); the SDK asks at start-up
 * (sdk/nodejs/runtime/settings.ts awaitFeatureSupport) and serializes accordingly.
 */
export const ENGINE_FEATURES: Readonly<Record<string, boolean>> = {
  secrets: true,
  resourceReferences: true,
  outputValues: true,
  aliasSpecs: true,
  replacementTrigger: true,
  deletedWith: true,
  replaceWith: true,
  transforms: true,
  invokeTransforms: true,
  parameterization: true,
  resourceHooks: true,
  errorHooks: true,
  sendsOptionsToHooks: true,
};

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

export class LocalEngine {
  readonly registrations: Registration[] = [];
  readonly invokes: Array<{ token: string; args: Json }> = [];
  readonly logs: LogRecord[] = [];
  /** Failures of the answer tables (an unknown type or function). */
  readonly errors: string[] = [];
  rootUrn = "";
  shutdownSignalled = false;

  private readonly byUrn = new Map<string, Registration>();
  private server: grpc.Server | undefined;
  private seq = 0;
  private readonly p: Protos;
  private readonly mode: "update" | "preview";

  constructor(private readonly opts: EngineOptions) {
    this.p = opts.protos;
    this.mode = opts.mode ?? "update";
  }

  /** Serves both services on one loopback port; returns the address for `--monitor` and `--engine`. */
  async start(): Promise<string> {
    const { grpc } = this.p;
    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    server.addService(this.p.resourceRpc.ResourceMonitorService, this.monitorHandlers());
    server.addService(this.p.engineRpc.EngineService, this.engineHandlers());
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    this.server = server;
    return `127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }

  /** The stack's outputs (RegisterResourceOutputs on the root stack), secrets masked. */
  stackOutputs(): Json | undefined {
    return this.byUrn.get(this.rootUrn)?.outputs ?? this.registrations.find((r) => r.type === ROOT_STACK_TYPE)?.outputs;
  }

  /** A plain object as a google.protobuf.Struct (of the program's own google-protobuf). */
  private struct(value: Json) {
    type StructJs = Parameters<Protos["struct"]["Struct"]["fromJavaScript"]>[0];
    return this.p.struct.Struct.fromJavaScript(wireSafe(value) as StructJs);
  }

  nameOf(urn: string): string {
    return this.byUrn.get(urn)?.name ?? urn;
  }

  private unary<Req, Res>(name: string, fn: (req: Req) => Res): Unary<Req, Res> {
    return (call, callback) => {
      try {
        callback(null, fn(call.request));
      } catch (err) {
        const details = err instanceof Error ? err.message : String(err);
        callback({ code: this.p.grpc.status.UNKNOWN, details, name, message: details });
      }
    };
  }

  // --- ResourceMonitor ---------------------------------------------------------------------------------------

  private monitorHandlers(): grpc.UntypedServiceImplementation {
    const { resource, empty } = this.p;
    return {
      supportsFeature: this.unary("SupportsFeature", (req: resproto.SupportsFeatureRequest) => {
        const res = new resource.SupportsFeatureResponse();
        res.setHassupport(ENGINE_FEATURES[req.getId()] === true);
        return res;
      }),
      registerResource: this.unary("RegisterResource", (req: resproto.RegisterResourceRequest) =>
        this.registerResource(req),
      ),
      registerResourceOutputs: this.unary("RegisterResourceOutputs", (req: resproto.RegisterResourceOutputsRequest) => {
        const reg = this.byUrn.get(req.getUrn());
        if (reg) reg.outputs = decode(req.getOutputs()?.toJavaScript() ?? {}, "mask") as Json;
        return new empty.Empty();
      }),
      readResource: this.unary("ReadResource", (req: resproto.ReadResourceRequest) => this.readResource(req)),
      invoke: this.unary("Invoke", (req: resproto.ResourceInvokeRequest) => this.invoke(req)),
      call: this.unary("Call", (req: resproto.ResourceCallRequest): never => {
        throw new Error(`local engine: Call (${req.getTok()}) of remote component methods is not supported`);
      }),
      signalAndWaitForShutdown: this.unary("SignalAndWaitForShutdown", () => {
        this.shutdownSignalled = true;
        return new empty.Empty();
      }),
      // RegisterStackTransform, RegisterResourceHook and the like are left out: grpc-js answers UNIMPLEMENTED, so a
      // program that starts using `transforms` or hooks fails loudly here instead of planning without them.
    };
  }

  private urnFor(type: string, name: string, parentUrn: string): string {
    // sdk/go/common/resource/urn/urn.go New: the parent's qualified type prefixes the type, except the root stack's.
    let qualified = type;
    if (parentUrn) {
      const parentQualified = parentUrn.split("::")[2] ?? "";
      if (parentQualified !== ROOT_STACK_TYPE) qualified = `${parentQualified}$${type}`;
    }
    return `urn:pulumi:${this.opts.stack}::${this.opts.project}::${qualified}::${name}`;
  }

  /** A provider reference is `<provider urn>::<provider id>`. */
  private providerName(ref: string): string | null {
    return ref ? this.nameOf(ref.split("::").slice(0, -1).join("::")) : null;
  }

  private optionsOf(req: resproto.RegisterResourceRequest): RecordedOptions {
    const names = (urns: string[]) => urns.map((u) => this.nameOf(u));
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
      propertyDependencies[key] = names(deps.getUrnsList());
    });
    const providers: Record<string, string> = {};
    req.getProvidersMap().forEach((ref, pkg) => {
      providers[pkg] = this.providerName(ref) ?? ref;
    });
    const timeouts = req.getCustomtimeouts()?.toObject();
    const setTimeouts = Object.fromEntries(Object.entries(timeouts ?? {}).filter(([, v]) => v !== ""));
    const dependencies = names(req.getDependenciesList());
    const viaInputs = new Set(Object.values(propertyDependencies).flat());
    return {
      dependencies,
      dependsOn: dependencies.filter((d) => !viaInputs.has(d)),
      propertyDependencies,
      protect: req.hasProtect() ? req.getProtect() : undefined,
      retainOnDelete: req.hasRetainondelete() ? req.getRetainondelete() : undefined,
      ignoreChanges: req.getIgnorechangesList(),
      replaceOnChanges: req.getReplaceonchangesList(),
      deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
      provider: this.providerName(req.getProvider()),
      providers,
      deletedWith: req.getDeletedwith() ? this.nameOf(req.getDeletedwith()) : null,
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      customTimeouts: Object.keys(setTimeouts).length > 0 ? setTimeouts : null,
      version: req.getVersion() || null,
    };
  }

  private readOptionsOf(req: resproto.ReadResourceRequest): RecordedOptions {
    const dependencies = req.getDependenciesList().map((u) => this.nameOf(u));
    return {
      dependencies,
      dependsOn: dependencies,
      propertyDependencies: {},
      ignoreChanges: [],
      replaceOnChanges: [],
      provider: this.providerName(req.getProvider()),
      providers: {},
      deletedWith: null,
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      customTimeouts: null,
      version: req.getVersion() || null,
    };
  }

  private record(reg: Omit<Registration, "seq" | "urn">, parentUrn: string): Registration {
    const full: Registration = { ...reg, seq: ++this.seq, urn: this.urnFor(reg.type, reg.name, parentUrn) };
    this.registrations.push(full);
    this.byUrn.set(full.urn, full);
    return full;
  }

  private answer(type: string, name: string, wireInputs: Json, id?: string): ResourceAnswer {
    const inputs = decode(wireInputs, "unwrap") as Json;
    try {
      const answer = this.opts.answers.resource({ type, name, inputs, id });
      // The inputs as sent (secrets stay secrets), then what the provider computes.
      return { id: answer.id, state: { ...wireInputs, ...answer.state } };
    } catch (err) {
      this.errors.push(err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  private registerResource(req: resproto.RegisterResourceRequest): resproto.RegisterResourceResponse {
    const type = req.getType();
    const name = req.getName();
    const custom = req.getCustom();
    const wireInputs = (req.getObject()?.toJavaScript() ?? {}) as Json;
    const reg = this.record(
      {
        rpc: "RegisterResource",
        type,
        name,
        parent: req.getParent() ? this.nameOf(req.getParent()) : null,
        parentUrn: req.getParent(),
        custom,
        remote: req.getRemote(),
        inputs: decode(wireInputs, "mask") as Json,
        options: this.optionsOf(req),
      },
      req.getParent(),
    );
    const res = new this.p.resource.RegisterResourceResponse();
    res.setUrn(reg.urn);
    if (!custom) {
      res.setObject(this.struct({}));
      return res;
    }
    const answer = this.answer(type, name, wireInputs, req.getImportid() || undefined);
    const preview = this.mode === "preview";
    reg.id = preview ? "" : answer.id;
    res.setId(reg.id);
    res.setObject(this.struct(preview ? wireInputs : answer.state));
    return res;
  }

  private readResource(req: resproto.ReadResourceRequest): resproto.ReadResourceResponse {
    const type = req.getType();
    const name = req.getName();
    const wireInputs = (req.getProperties()?.toJavaScript() ?? {}) as Json;
    const reg = this.record(
      {
        rpc: "ReadResource",
        type,
        name,
        parent: req.getParent() ? this.nameOf(req.getParent()) : null,
        parentUrn: req.getParent(),
        custom: true,
        remote: false,
        inputs: decode(wireInputs, "mask") as Json,
        options: this.readOptionsOf(req),
      },
      req.getParent(),
    );
    const answer = this.answer(type, name, wireInputs, req.getId());
    reg.id = req.getId();
    const res = new this.p.resource.ReadResourceResponse();
    res.setUrn(reg.urn);
    res.setProperties(this.struct(answer.state));
    return res;
  }

  private invoke(req: resproto.ResourceInvokeRequest) {
    const token = req.getTok();
    const wireArgs = (req.getArgs()?.toJavaScript() ?? {}) as Json;
    this.invokes.push({ token, args: decode(wireArgs, "mask") as Json });
    let result: Json;
    try {
      result = this.opts.answers.invoke(token, decode(wireArgs, "unwrap") as Json);
    } catch (err) {
      this.errors.push(err instanceof Error ? err.message : String(err));
      throw err;
    }
    const res = new this.p.provider.InvokeResponse();
    res.setReturn(this.struct(result));
    return res;
  }

  // --- Engine ------------------------------------------------------------------------------------------------

  private engineHandlers(): grpc.UntypedServiceImplementation {
    const { engine, empty } = this.p;
    return {
      log: this.unary("Log", (req: engproto.LogRequest) => {
        const log: LogRecord = {
          severity: SEVERITY[req.getSeverity()] ?? "info",
          message: req.getMessage(),
          urn: req.getUrn(),
        };
        this.logs.push(log);
        this.opts.onLog?.(log);
        return new empty.Empty();
      }),
      getRootResource: this.unary("GetRootResource", () => {
        const res = new engine.GetRootResourceResponse();
        res.setUrn(this.rootUrn);
        return res;
      }),
      setRootResource: this.unary("SetRootResource", (req: engproto.SetRootResourceRequest) => {
        this.rootUrn = req.getUrn();
        return new engine.SetRootResourceResponse();
      }),
      requirePulumiVersion: this.unary("RequirePulumiVersion", () => new engine.RequirePulumiVersionResponse()),
    };
  }
}

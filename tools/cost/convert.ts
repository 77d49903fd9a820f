/**
 * Converts what the real Pulumi CLI prints into the estimator's input, so CI with the real CLI prices the same way
 * as the offline plan: `pulumi preview --json` (steps[].newState) and `pulumi stack export` (deployment.resources).
 * Names and parents come from URNs; a resource's region from its provider's `region` input; secrets become
 * "[secret]"; resources being deleted, and read-only (external) ones, are left out.
 */
import type { CostResource } from "../../infra/lib/cost/types";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export class ConvertError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConvertError";
  }
}

/** `urn:pulumi:stack::project::parent$type::name` → name. */
export function nameFromUrn(urn: string): string {
  const parts = urn.split("::");
  return parts.slice(3).join("::");
}

/** `urn:pulumi:stack::project::parent$type::name` → type. */
export function typeFromUrn(urn: string): string {
  const chain = urn.split("::")[2] ?? "";
  return chain.split("$").pop() ?? chain;
}

/** `<provider urn>::<provider id>` → provider urn. */
function providerUrn(ref: string): string {
  const cut = ref.lastIndexOf("::");
  return cut > 0 ? ref.slice(0, cut) : ref;
}

function maskSecrets(value: unknown): unknown {
  if (value === UNKNOWN) return "[unknown]";
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (SECRET_SIG in record) return "[secret]";
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, maskSecrets(v)]));
  }
  return value;
}

/** What `pulumi preview` prints for a value known only after apply. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface RawState {
  urn: string;
  type?: string;
  parent?: string;
  provider?: string;
  inputs?: Record<string, unknown>;
}

/** The top-level component of a URN's type chain (`storyforge:data:Database$aws:rds/...` → the first), if any. */
export function componentFromUrn(urn: string): string | undefined {
  const chain = (urn.split("::")[2] ?? "").split("$");
  return chain.length > 1 ? chain[0] : undefined;
}

export function convertStates(states: RawState[]): CostResource[] {
  const typeOf = new Map(states.map((s) => [s.urn, s.type ?? typeFromUrn(s.urn)]));
  const regions = new Map<string, string>();
  for (const s of states) {
    const region = s.inputs?.region;
    if ((typeOf.get(s.urn) ?? "").startsWith("pulumi:providers:") && typeof region === "string")
      regions.set(s.urn, region);
  }
  return states.map((s) => {
    const parent =
      s.parent !== undefined && s.parent !== "" && typeOf.get(s.parent) !== "pulumi:pulumi:Stack"
        ? nameFromUrn(s.parent)
        : null;
    const region = s.provider !== undefined ? regions.get(providerUrn(s.provider)) : undefined;
    return {
      type: typeOf.get(s.urn)!,
      name: nameFromUrn(s.urn),
      parent,
      inputs: maskSecrets(s.inputs ?? {}) as Record<string, unknown>,
      ...(region !== undefined ? { region } : {}),
      ...(componentFromUrn(s.urn) !== undefined ? { component: componentFromUrn(s.urn) } : {}),
    };
  });
}

const GONE = new Set([
  "delete",
  "delete-replaced",
  "discard",
  "discard-replaced",
  "read",
  "read-replacement",
  "read-discard",
  "remove-pending-replace",
]);

/** Resources a `pulumi preview --json` would leave in place or create. */
export function fromPreviewJson(doc: unknown): CostResource[] {
  const steps = (doc as { steps?: unknown }).steps;
  if (!Array.isArray(steps)) throw new ConvertError("not a `pulumi preview --json` document: no `steps` array");
  const states: RawState[] = [];
  for (const step of steps as Array<{ op?: string; urn?: string; newState?: RawState }>) {
    if (step.op !== undefined && GONE.has(step.op)) continue;
    if (step.newState === undefined || typeof step.newState.urn !== "string") continue;
    states.push(step.newState);
  }
  return convertStates(states);
}

/** Resources of a `pulumi stack export` (pending deletions and external reads left out). */
export function fromStackExport(doc: unknown): CostResource[] {
  const resources = (doc as { deployment?: { resources?: unknown } }).deployment?.resources;
  if (!Array.isArray(resources))
    throw new ConvertError("not a `pulumi stack export` document: no `deployment.resources` array");
  const states = (resources as Array<RawState & { delete?: boolean; external?: boolean }>).filter(
    (r) => typeof r.urn === "string" && r.delete !== true && r.external !== true,
  );
  return convertStates(states);
}

/** Stack outputs recorded in an export (the root Stack's outputs), e.g. `tier`. */
export function exportOutputs(doc: unknown): Record<string, unknown> {
  const resources =
    (doc as { deployment?: { resources?: Array<{ type?: string; outputs?: Record<string, unknown> }> } }).deployment
      ?.resources ?? [];
  return resources.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs ?? {};
}

/** Either format, told apart by shape. */
export function fromPulumiJson(doc: unknown): { format: "preview" | "export"; resources: CostResource[] } {
  if (typeof doc === "object" && doc !== null && "steps" in doc)
    return { format: "preview", resources: fromPreviewJson(doc) };
  if (typeof doc === "object" && doc !== null && "deployment" in doc)
    return { format: "export", resources: fromStackExport(doc) };
  throw new ConvertError(
    "unrecognised JSON: expected `pulumi preview --json` (steps) or `pulumi stack export` (deployment)",
  );
}

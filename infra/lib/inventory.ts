/**
 * The inventory of everything the program declares: type, name, parent and resolved inputs of each resource, so the
 * `cost` stack output prices exactly what a deploy creates. It is filled by a stack transformation, which runs
 * under `pulumi up` as under the offline plan (tools/plan/harness.ts runs the program the way the CLI does; the plan
 * itself reads the engine's registrations, which agree with this inventory resource for resource).
 */
import * as pulumi from "@pulumi/pulumi";

/** One declared resource as the plan's `--json` contract shows it. */
export interface PlannedResource {
  /** Pulumi type token, e.g. `aws:rds/instance:Instance` or `storyforge:data:Database`. */
  type: string;
  /** The logical name given in the program. */
  name: string;
  /** The logical name of the parent resource, or null at the top of the stack. */
  parent: string | null;
  /** Input properties with every Output resolved; secret values read "[secret]". */
  inputs: Record<string, unknown>;
}

export const SECRET_PLACEHOLDER = "[secret]";
/** What a value not known until deployment reads as (a real `pulumi preview` of a new resource's id, say). */
export const UNKNOWN_PLACEHOLDER = "[unknown]";

/** The Output members Pulumi's own serializer uses; `apply` alone never calls back for an unknown value. */
interface OutputInternals {
  isKnown: Promise<boolean>;
  promise(withUnknowns?: boolean): Promise<unknown>;
}

interface Record_ {
  type: string;
  name: string;
  parent: pulumi.Resource | undefined;
  props: pulumi.Inputs;
}

class Inventory {
  private readonly records: Record_[] = [];
  private readonly names = new Map<pulumi.Resource, string>();
  private started = false;

  /** Registers the stack transformation. Call once, before the program declares anything. */
  start(): void {
    if (this.started) return;
    this.started = true;
    pulumi.runtime.registerStackTransformation((args) => {
      this.names.set(args.resource, args.name);
      this.records.push({ type: args.type, name: args.name, parent: args.opts.parent, props: args.props });
      return undefined;
    });
  }

  /** Every declared resource with its inputs resolved (secrets masked). */
  resources(): pulumi.Output<PlannedResource[]> {
    const snapshot = [...this.records];
    return pulumi.output(
      Promise.all(
        snapshot.map(async (r) => ({
          type: r.type,
          name: r.name,
          parent: this.parentName(r.parent),
          inputs: (await resolveMasked(r.props)) as Record<string, unknown>,
        })),
      ),
    );
  }

  private parentName(parent: pulumi.Resource | undefined): string | null {
    // The root Stack is created before the transformation exists, so it has no name here: top level is null.
    return parent ? (this.names.get(parent) ?? null) : null;
  }
}

/** The program's single inventory. */
export const inventory = new Inventory();

/**
 * Resolves Inputs deeply: Outputs and promises become their values, secret Outputs become "[secret]", values not
 * known yet (during a real preview) become "[unknown]" instead of waiting forever, `undefined` fields are dropped
 * (as the engine drops them), Resources become their logical names.
 */
export async function resolveMasked(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as unknown as OutputInternals;
    if (!(await output.isKnown)) return UNKNOWN_PLACEHOLDER;
    if (await pulumi.isSecret(value)) return SECRET_PLACEHOLDER;
    return resolveMasked(await output.promise());
  }
  if (value instanceof Promise) return resolveMasked(await value);
  if (pulumi.Resource.isInstance(value)) return `[resource ${(value as unknown as { __name?: string }).__name ?? "?"}]`;
  if (Array.isArray(value)) return Promise.all(value.map(resolveMasked));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const resolved = await resolveMasked(v);
      if (resolved !== undefined) out[k] = resolved;
    }
    return out;
  }
  return value;
}

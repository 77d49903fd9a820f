/**
 * Runs the pack's rules without the Pulumi CLI: over a plan from the offline harness (`tools/plan/harness.ts`)
 * or over hand-built resources in tests. It calls the same `validateResource` / `validateStack` handlers the
 * CLI calls, with the same argument shapes, and applies the same tier-aware enforcement as `policies/index.ts`.
 *
 * Never constructs a `PolicyPack` (its constructor starts a gRPC server).
 */
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ALL_RULES } from "./rules";
import { isStackRule, type Rule, type RuleConfig } from "./rules/kit";
import { rulesFor } from "./pack";
import { enforcementFor, ruleTarget, type PolicyTarget, type RuleLevel } from "./tier";

/** One resource of a plan: the contract of `planStack` in tools/plan/harness.ts. */
export interface PlannedResource {
  /** The Pulumi type token. */
  type: string;
  /** The resource's logical name. */
  name: string;
  /** The parent's logical name, or null/absent at the top of the stack. */
  parent?: string | null;
  /** Resolved inputs (camelCase args); secrets appear as "[secret]". */
  inputs: Record<string, unknown>;
  /** The id the (mock) provider returned, when the plan records it; other inputs refer to it. */
  id?: string;
}

export interface Plan {
  stack: string;
  resources: readonly PlannedResource[];
  /** The stack's outputs (secrets as "[secret]"), presented to stack rules as the root `pulumi:pulumi:Stack`. */
  outputs?: Record<string, unknown>;
}

/** The root stack resource the engine lists in AnalyzeStack, carrying the plan's outputs. */
export function rootStackResource(plan: Plan): PlannedResource[] {
  if (plan.outputs === undefined) return [];
  return [{ type: "pulumi:pulumi:Stack", name: `${PROJECT}-${plan.stack}`, inputs: { outputs: plan.outputs } }];
}

export interface Finding {
  policy: string;
  level: RuleLevel;
  enforcement: "mandatory" | "advisory";
  /** The resource's logical name; absent for findings about the whole stack. */
  resource?: string;
  message: string;
}

export const PROJECT = "storyforge";

export function urnOf(stack: string, type: string, name: string): string {
  return `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;
}

const NO_OPTIONS = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

function notApplicable(reason?: string): never {
  throw new Error(`not applicable${reason === undefined ? "" : `: ${reason}`}`);
}

function typeCheckers(type: string) {
  // The rules match on type tokens; the class-based helpers are not used by this pack.
  return {
    isType: () => false,
    asType: () => undefined,
    type,
  };
}

/** The `args` the CLI passes to `validateResource`, for one resource. */
export function resourceValidationArgs(
  stack: string,
  resource: { type: string; name: string; props: Record<string, unknown> },
  config: RuleConfig = {},
): ResourceValidationArgs {
  return {
    ...typeCheckers(resource.type),
    name: resource.name,
    urn: urnOf(stack, resource.type, resource.name),
    props: resource.props,
    opts: NO_OPTIONS,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
}

/**
 * The id a planned resource has in the offline plan: tools/plan/mocks.ts answers every resource with
 * `${name}-id`, so that is what other resources' inputs hold when they refer to it.
 */
export function offlineIdOf(resource: PlannedResource): string {
  return resource.id ?? `${resource.name}-id`;
}

/**
 * The resources the CLI passes to `validateStack`, with parents linked. Each resource's props are its inputs
 * plus its `id` (as the engine's outputs carry it), so references between resources can be followed.
 */
export function policyResources(
  stack: string,
  resources: readonly PlannedResource[],
  idOf: (resource: PlannedResource) => string | undefined = (r) => r.id,
): PolicyResource[] {
  const byName = new Map<string, PolicyResource>();
  const converted = resources.map((r) => {
    const id = idOf(r);
    const props: Record<string, unknown> = id === undefined ? { ...r.inputs } : { id, ...r.inputs };
    const resource: PolicyResource = {
      ...typeCheckers(r.type),
      name: r.name,
      urn: urnOf(stack, r.type, r.name),
      props,
      opts: NO_OPTIONS,
      dependencies: [],
      propertyDependencies: {},
      asType: () => undefined,
    };
    byName.set(r.name, resource);
    return resource;
  });
  resources.forEach((r, i) => {
    const parent = r.parent === undefined || r.parent === null ? undefined : byName.get(r.parent);
    const resource = converted[i];
    if (parent !== undefined && resource !== undefined) resource.parent = parent;
  });
  return converted;
}

/**
 * Per-policy configuration for a stack as the CLI reads it with `--policy-pack-config policies/config.<stack>.json`
 * (waivers, level overrides); `{}` when the stack has no such file. A level given as a bare string is kept out:
 * offline evaluation reports the levels the pack computes.
 */
export function stackPolicyConfig(stack: string, dir: string = __dirname): Record<string, RuleConfig> {
  const path = join(dir, `config.${stack}.json`);
  if (!existsSync(path)) return {};
  const raw = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  // Only waivers belong here: a level override (a bare string, `enforcementLevel`, or "all") would change what the CLI
  // enforces where the pack and the offline evaluator cannot see it (research note §4).
  return Object.fromEntries(
    Object.entries(raw).map(([policy, value]) => {
      const keys = typeof value === "object" && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
      if (policy === "all" || keys.length === 0 || keys.some((k) => k !== "exempt"))
        throw new Error(
          `${path}: "${policy}" must be {"exempt": [...]} (waivers only; no "all", enforcement levels or other settings), got ${JSON.stringify(value)}`,
        );
      return [policy, value as RuleConfig];
    }),
  );
}

/**
 * The waivers `npm run plan` applies: the stack's own `config.<stack>.json`, or, for a stack without one (a `staging`
 * stack at tier v1), its tier's reviewed file, `config.<tier>.json`, which is also what to pass to the CLI's
 * `--policy-pack-config` for such a stack. The waivers name resources of the program, which every stack of a tier
 * declares alike.
 */
export function planPolicyConfig(stack: string, tier: string, dir: string = __dirname): Record<string, RuleConfig> {
  return stackPolicyConfig(existsSync(join(dir, `config.${stack}.json`)) ? stack : tier, dir);
}

export function stackValidationArgs(resources: PolicyResource[], config: RuleConfig = {}): StackValidationArgs {
  return { resources, stackTags: new Map(), getConfig: <T extends object>() => config as T, notApplicable };
}

function settle(result: Promise<void> | void, policy: string): void {
  if (result instanceof Promise)
    throw new Error(`policy ${policy} validates asynchronously; evaluatePolicies runs rules synchronously`);
}

/**
 * Every rule that checks a stack checked as `target` (policies/pack.ts `rulesFor`) over every resource of `plan`,
 * enforced as the pack enforces them. Returns the findings, mandatory first. `config` is per-policy configuration as
 * in a `--policy-pack-config` file (waivers); the target is filled in.
 */
export function evaluatePolicies(
  plan: Plan,
  target: PolicyTarget,
  options: { rules?: readonly Rule[]; config?: Record<string, RuleConfig>; stackConfig?: Record<string, unknown> } = {},
): Finding[] {
  const all = options.rules ?? ALL_RULES;
  for (const key of Object.keys(options.config ?? {})) {
    if (key !== "all" && !all.some((r) => r.name === key))
      throw new Error(`policy config names unknown policy "${key}"`);
  }
  const rules = rulesFor(target, all);
  const findings: Finding[] = [];
  const stackResources = policyResources(plan.stack, [...plan.resources, ...rootStackResource(plan)], offlineIdOf);
  for (const rule of rules) {
    const configured = options.config?.[rule.name] ?? {};
    const config: RuleConfig = {
      ...configured,
      tier: ruleTarget(target, configured.tier, rule.name),
      ...(options.stackConfig === undefined ? {} : { stackConfig: options.stackConfig }),
    };
    const base = { policy: rule.name, level: rule.level, enforcement: enforcementFor(rule.level, target) };
    if (isStackRule(rule)) {
      settle(
        rule.validateStack(stackValidationArgs(stackResources, config), (message, urn) => {
          findings.push({
            ...base,
            ...(urn === undefined ? {} : { resource: urn.slice(urn.lastIndexOf("::") + 2) }),
            message,
          });
        }),
        rule.name,
      );
      continue;
    }
    for (const resource of stackResources) {
      const args = resourceValidationArgs(plan.stack, resource, config);
      settle(
        rule.validateResource(args, (message) => findings.push({ ...base, resource: resource.name, message })),
        rule.name,
      );
    }
  }
  return findings.sort((a, b) => (a.enforcement === b.enforcement ? 0 : a.enforcement === "mandatory" ? -1 : 1));
}

/** Findings as lines for `npm run plan`: `[advisory] rds-monitoring: rds.Instance "db": Performance Insights is off`. */
export function formatFindings(findings: readonly Finding[]): string[] {
  return findings.map((f) => `[${f.enforcement}] ${f.policy}: ${f.message}`);
}

/**
 * The small kit every rule module is written with: rule metadata (level, sources), the wrappers that turn a
 * plain check into a CrossGuard `validateResource` / `validateStack` handler, and value helpers.
 *
 * The wrappers do three things so the checks don't: skip resources of other types, honour per-policy waivers
 * (`exempt` in policy config), and prefix each message with the resource it is about, so a finding always names
 * the resource ("rds.Instance \"db-replica-1\": storage is not encrypted").
 */
import type {
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { TIERS, type TierName, type TierSpec } from "../../stacks/tiers";
import { POLICY_TARGETS, PREVIEW, isPolicyTarget, nameFromUrn, type PolicyTarget, type RuleLevel } from "../tier";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- resource inputs are whatever the provider's schema says
export type Props = Record<string, any>;

/** What every rule declares beside the CrossGuard fields. */
export interface RuleMeta {
  /** M mandatory everywhere, T mandatory for v1/v2 and advisory for mvp/preview, A advisory (policies/tier.ts). */
  level: RuleLevel;
  /** Where the rule comes from: Checkov ids, AWSGuard names, kube-score / Polaris / kube-linter checks, CIS EKS. */
  sources: readonly string[];
  /**
   * The rule sizes a tier (thresholds from stacks/tiers.ts: capacity, budget, replica floors, backup days), so it
   * checks tier stacks only and is not in the preview rule set (policies/tier.ts).
   */
  tierOnly?: boolean;
  /**
   * The checks a waiver may name (`exempt[].check`), one per condition the rule reports; a report without a check id
   * is the rule's own name. @default [name]
   */
  checks?: readonly string[];
  /** `false`: no waiver is honoured, and one in policy config is itself a finding (cloudfront-viewer-https). */
  waivable?: false;
}

export type ResourceRule = ResourceValidationPolicy & RuleMeta & { validateResource: ResourceValidation };
export type StackRule = StackValidationPolicy & RuleMeta;
export type Rule = ResourceRule | StackRule;

export function isStackRule(rule: Rule): rule is StackRule {
  return "validateStack" in rule;
}

/**
 * A waiver: one check of one resource that a rule does not enforce, why, and until when (kept in the policy config
 * file). It never covers another check of the same rule, and from the day after `expires` it is not honoured.
 */
export interface Exemption {
  resource: string;
  check: string;
  reason: string;
  /** The last day (UTC, YYYY-MM-DD) the waiver holds. */
  expires: string;
}

/** Configuration every rule accepts (`--policy-pack-config`), on top of `enforcementLevel`. */
export interface RuleConfig {
  /** What the stack is checked as; the pack (and the offline evaluator) fill it with the target they resolved. */
  tier?: PolicyTarget;
  /** Waivers: one check of one resource each, with a reason and an expiry. */
  exempt?: Exemption[];
  /**
   * The stack's own config (`storyforge:*` keys), which the pack reads from PULUMI_CONFIG and the offline evaluator
   * from the stack file; rules that check what CrossGuard's resource view cannot see read it (policies/rules/stack.ts).
   */
  stackConfig?: Record<string, unknown>;
}

export const RULE_CONFIG_SCHEMA: PolicyConfigSchema = {
  properties: {
    tier: {
      type: "string",
      enum: [...POLICY_TARGETS],
      description:
        "Tier whose thresholds the rule applies; defaults to the stack's, and may only confirm or raise it (policies/tier.ts).",
    },
    exempt: {
      type: "array",
      description:
        "Waivers: one check of one resource (by logical name) the rule does not enforce, each with the reason and the last day it holds.",
      items: {
        type: "object",
        properties: {
          resource: { type: "string", minLength: 1 },
          check: { type: "string", minLength: 1 },
          reason: { type: "string", minLength: 10 },
          expires: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
        },
        required: ["resource", "check", "reason", "expires"],
        additionalProperties: false,
      },
    },
  },
};

/**
 * What a handler checks the stack as: the target the pack or the offline evaluator put into its config. Never
 * guessed from the stack's name.
 */
export function targetOf(config: RuleConfig): PolicyTarget {
  if (!isPolicyTarget(config.tier)) {
    throw new Error(
      `policy config "tier" must be one of ${POLICY_TARGETS.join(", ")}, got ${JSON.stringify(config.tier)} (the pack and the offline evaluator set it)`,
    );
  }
  return config.tier;
}

/** The tier of a tier-only rule's stack; such rules are never built for a preview (policies/pack.ts). */
function tierOf(config: RuleConfig, rule: string): TierName {
  const target = targetOf(config);
  if (target === PREVIEW) throw new Error(`policy ${rule} sizes a tier and is not in the preview rule set`);
  return target;
}

/** Today (UTC, YYYY-MM-DD): a waiver holds through its `expires` day. */
function today(): string {
  return new Date().toISOString().slice(0, 10);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What is wrong with a waiver entry, or undefined when it is well formed for `rule`. */
export function waiverProblem(rule: RuleMeta & { name: string }, entry: unknown): string | undefined {
  const e = (typeof entry === "object" && entry !== null ? entry : {}) as Partial<Record<keyof Exemption, unknown>>;
  const label = `waiver ${JSON.stringify(entry)}`;
  if (rule.waivable === false)
    return `${label}: policy ${rule.name} cannot be waived; fix the resource instead (remove the waiver from the policy config)`;
  const missing = (["resource", "check", "reason", "expires"] as const).filter(
    (k) => typeof e[k] !== "string" || e[k] === "",
  );
  if (missing.length > 0)
    return `${label}: a waiver names one resource, one check, a reason and an expiry date; missing ${missing.join(", ")}`;
  const checks = rule.checks ?? [rule.name];
  if (!checks.includes(e.check as string))
    return `${label}: policy ${rule.name} has no check "${String(e.check)}" (its checks: ${checks.join(", ")})`;
  const expires = e.expires as string;
  if (!DATE.test(expires) || Number.isNaN(Date.parse(`${expires}T00:00:00Z`)))
    return `${label}: "expires" must be a date YYYY-MM-DD, got ${JSON.stringify(expires)}`;
  return undefined;
}

type WaiverState = { state: "none" } | { state: "active" } | { state: "expired"; expires: string; reason: string };

/** Whether a well-formed waiver in `config` covers `check` of `resource`, and whether it still holds. */
function waiverFor(
  config: RuleConfig,
  rule: RuleMeta & { name: string },
  resource: string,
  check: string,
): WaiverState {
  if (rule.waivable === false) return { state: "none" };
  const entries = (config.exempt ?? []).filter(
    (e) => waiverProblem(rule, e) === undefined && e.resource === resource && e.check === check,
  );
  if (entries.length === 0) return { state: "none" };
  const now = today();
  if (entries.some((e) => e.expires >= now)) return { state: "active" };
  const last = entries.map((e) => e.expires).sort()[entries.length - 1];
  return { state: "expired", expires: last ?? "", reason: entries[0]?.reason ?? "" };
}

/**
 * The message of a finding that a waiver would cover: dropped while the waiver holds; once expired, reported with
 * the expiry named, so a lapsed waiver never turns silently back into a bare finding.
 */
function waived(state: WaiverState, check: string, message: string): string | undefined {
  if (state.state === "active") return undefined;
  if (state.state === "expired")
    return `${message} [the waiver of check "${check}" expired on ${state.expires} and is not honoured: renew it with a new date and reason, or fix the resource]`;
  return message;
}

/**
 * A check that throws is a finding at the rule's level naming the rule (fail closed), never a crashed pack. Unknown
 * values during a preview are rethrown: the SDK turns those into "can't run policy during preview" itself.
 */
function failClosed(rule: string, run: () => void, report: (message: string) => void): void {
  try {
    run();
  } catch (err) {
    if (err instanceof Error && err.constructor.name === "UnknownValueError") throw err;
    report(`${rule} could not evaluate this: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** `aws:rds/instance:Instance` → `rds.Instance`; `kubernetes:apps/v1:Deployment` → `Deployment`. */
export function shortType(type: string): string {
  const [pkg, module, member] = type.split(":");
  if (member === undefined || module === undefined) return type;
  return pkg === "aws" ? `${module.split("/")[0]}.${member}` : member;
}

export function describeResource(type: string, name: string): string {
  return `${shortType(type)} "${name}"`;
}

/** What a resource check knows besides the resource's properties. */
export interface ResourceContext {
  name: string;
  type: string;
  /** What the stack is checked as: its tier, or a preview. */
  target: PolicyTarget;
}

/** What a tier-only check knows besides: the tier and its sizing. */
export interface TierContext {
  tier: TierName;
  sizing: TierSpec;
}

interface ResourceRuleBase extends RuleMeta {
  name: string;
  description: string;
  /** Type tokens the rule applies to (list the other spellings of the same thing where cheap). */
  types: readonly string[];
}

/** Reports a violation; `check` names the condition (one of the rule's `checks`) so a waiver can cover it alone. */
export type ResourceReport = (message: string, check?: string) => void;

export type ResourceRuleDefinition =
  | (ResourceRuleBase & {
      tierOnly?: false;
      check: (props: Props, ctx: ResourceContext, report: ResourceReport) => void;
    })
  | (ResourceRuleBase & {
      tierOnly: true;
      check: (props: Props, ctx: ResourceContext & TierContext, report: ResourceReport) => void;
    });

export function resourceRule(def: ResourceRuleDefinition): ResourceRule {
  const { check: _check, types, ...meta } = def;
  return {
    ...meta,
    configSchema: RULE_CONFIG_SCHEMA,
    validateResource: (args, reportViolation) => {
      if (!types.includes(args.type)) return;
      const config = args.getConfig<RuleConfig>();
      const subject = describeResource(args.type, args.name);
      // A malformed or refused waiver is reported on the resource it names: seen once, where it matters.
      for (const entry of (config.exempt ?? []).filter((e) => e?.resource === args.name)) {
        const problem = waiverProblem(def, entry);
        if (problem !== undefined) reportViolation(`${subject}: policy config: ${problem}`);
      }
      const ctx: ResourceContext = { name: args.name, type: args.type, target: targetOf(config) };
      const report: ResourceReport = (message, check = def.name) => {
        const text = waived(waiverFor(config, def, args.name, check), check, message);
        if (text !== undefined) reportViolation(`${subject}: ${text}`);
      };
      failClosed(
        def.name,
        () => {
          if (def.tierOnly) {
            const tier = tierOf(config, def.name);
            def.check(args.props, { ...ctx, tier, sizing: TIERS[tier] }, report);
          } else {
            def.check(args.props, ctx, report);
          }
        },
        (message) => reportViolation(`${subject}: ${message}`),
      );
    },
  };
}

/** What a stack check knows besides the resources. */
export interface StackContext {
  target: PolicyTarget;
  /** The stack's config, when the pack or the evaluator was given it. */
  stackConfig?: Record<string, unknown>;
}

/**
 * Reports a violation about one resource (named in the message, with its URN), or about the stack; `check` names the
 * condition (one of the rule's `checks`) so a waiver can cover it alone. A stack-wide finding is waived as resource
 * "stack".
 */
export type StackReport = (message: string, resource?: PolicyResource, check?: string) => void;

/** The resource name a waiver of a stack-wide finding names. */
export const STACK_SUBJECT = "stack";

interface StackRuleBase extends RuleMeta {
  name: string;
  description: string;
}

export type StackRuleDefinition =
  | (StackRuleBase & {
      tierOnly?: false;
      check: (resources: readonly PolicyResource[], ctx: StackContext, report: StackReport) => void;
    })
  | (StackRuleBase & {
      tierOnly: true;
      check: (resources: readonly PolicyResource[], ctx: StackContext & TierContext, report: StackReport) => void;
    });

export function stackRule(def: StackRuleDefinition): StackRule {
  const { check: _check, ...meta } = def;
  return {
    ...meta,
    configSchema: RULE_CONFIG_SCHEMA,
    validateStack: (args, reportViolation: ReportViolation) => {
      const config = args.getConfig<RuleConfig>();
      const target = targetOf(config);
      for (const entry of config.exempt ?? []) {
        const problem = waiverProblem(def, entry);
        if (problem !== undefined) reportViolation(`policy config: ${problem}`);
      }
      const report: StackReport = (message, resource, check = def.name) => {
        const text = waived(waiverFor(config, def, resource?.name ?? STACK_SUBJECT, check), check, message);
        if (text === undefined) return;
        if (resource === undefined) reportViolation(text);
        else reportViolation(`${describeResource(resource.type, resource.name)}: ${text}`, resource.urn);
      };
      failClosed(
        def.name,
        () => {
          if (def.tierOnly) {
            const tier = tierOf(config, def.name);
            def.check(args.resources, { target, stackConfig: config.stackConfig, tier, sizing: TIERS[tier] }, report);
          } else {
            def.check(args.resources, { target, stackConfig: config.stackConfig }, report);
          }
        },
        (message) => reportViolation(message),
      );
    },
  };
}

// ---- value helpers ---------------------------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- elements are untyped resource inputs, like Props
export function asArray(value: unknown): any[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function ofType(resources: readonly PolicyResource[], types: readonly string[]): PolicyResource[] {
  return resources.filter((r) => types.includes(r.type));
}

/**
 * Whether `value` (an input that holds another resource's id, ARN or name) points at `target`. In a deployment
 * it is the target's `id` or `arn` output; in the offline plan it is whatever the mock returned as id, which
 * the plan conversion stores as `props.id` too.
 */
export function refersTo(value: unknown, target: PolicyResource): boolean {
  if (typeof value !== "string" || value === "") return false;
  const p = target.props;
  return [p.id, p.arn, p.name, p.identifier, p.bucket, target.urn].some((candidate) => candidate === value);
}

/** The resource's logical name, from a URN (used when a violation has only the URN). */
export { nameFromUrn };

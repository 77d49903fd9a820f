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
}

export type ResourceRule = ResourceValidationPolicy & RuleMeta & { validateResource: ResourceValidation };
export type StackRule = StackValidationPolicy & RuleMeta;
export type Rule = ResourceRule | StackRule;

export function isStackRule(rule: Rule): rule is StackRule {
  return "validateStack" in rule;
}

/** A waiver: the resource a rule does not apply to, and why (kept in the policy config file). */
export interface Exemption {
  resource: string;
  reason: string;
}

/** Configuration every rule accepts (`--policy-pack-config`), on top of `enforcementLevel`. */
export interface RuleConfig {
  /** What the stack is checked as; the pack (and the offline evaluator) fill it with the target they resolved. */
  tier?: PolicyTarget;
  /** Resources this rule does not apply to. */
  exempt?: Exemption[];
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
      description: "Resources (by logical name) this rule does not apply to, each with the reason.",
      items: {
        type: "object",
        properties: { resource: { type: "string", minLength: 1 }, reason: { type: "string", minLength: 1 } },
        required: ["resource", "reason"],
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

function isExempt(config: RuleConfig, name: string): boolean {
  return (config.exempt ?? []).some((e) => e.resource === name);
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

export type ResourceRuleDefinition =
  | (ResourceRuleBase & {
      tierOnly?: false;
      check: (props: Props, ctx: ResourceContext, report: (message: string) => void) => void;
    })
  | (ResourceRuleBase & {
      tierOnly: true;
      check: (props: Props, ctx: ResourceContext & TierContext, report: (message: string) => void) => void;
    });

export function resourceRule(def: ResourceRuleDefinition): ResourceRule {
  const { check: _check, types, ...meta } = def;
  return {
    ...meta,
    configSchema: RULE_CONFIG_SCHEMA,
    validateResource: (args, reportViolation) => {
      if (!types.includes(args.type)) return;
      const config = args.getConfig<RuleConfig>();
      if (isExempt(config, args.name)) return;
      const ctx: ResourceContext = { name: args.name, type: args.type, target: targetOf(config) };
      const report = (message: string) => reportViolation(`${describeResource(args.type, args.name)}: ${message}`);
      if (def.tierOnly) {
        const tier = tierOf(config, def.name);
        def.check(args.props, { ...ctx, tier, sizing: TIERS[tier] }, report);
      } else {
        def.check(args.props, ctx, report);
      }
    },
  };
}

/** What a stack check knows besides the resources. */
export interface StackContext {
  target: PolicyTarget;
}

/** Reports a violation about one resource (named in the message, with its URN), or about the stack. */
export type StackReport = (message: string, resource?: PolicyResource) => void;

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
      const report: StackReport = (message, resource) => {
        if (resource === undefined) {
          reportViolation(message);
          return;
        }
        if (isExempt(config, resource.name)) return;
        reportViolation(`${describeResource(resource.type, resource.name)}: ${message}`, resource.urn);
      };
      if (def.tierOnly) {
        const tier = tierOf(config, def.name);
        def.check(args.resources, { target, tier, sizing: TIERS[tier] }, report);
      } else {
        def.check(args.resources, { target }, report);
      }
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

/**
 * Turns the rules into the policies the pack serves, for one target (a tier, or a preview): each policy's
 * enforcement level comes from its rule level (policies/tier.ts), and each handler sees the target through
 * `getConfig().tier` (a policy config may raise it for one policy, never lower it). A preview gets the preview rule
 * set: every rule but the tier-only ones. Pure: `policies/index.ts` calls it and constructs the `PolicyPack`; tests
 * call it without starting anything.
 */
import type {
  Policies,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { ALL_RULES } from "./rules";
import { isStackRule, type Rule, type RuleConfig } from "./rules/kit";
import { enforcementFor, PREVIEW, ruleTarget, type PolicyTarget } from "./tier";

/** The rules that check a stack checked as `target`: all of them for a tier, the preview rule set for a preview. */
export function rulesFor(target: PolicyTarget, rules: readonly Rule[] = ALL_RULES): Rule[] {
  return rules.filter((rule) => target !== PREVIEW || rule.tierOnly !== true);
}

function withTarget<A extends ResourceValidationArgs | StackValidationArgs>(
  args: A,
  target: PolicyTarget,
  policy: string,
  stackConfig: Record<string, unknown> | undefined,
): A {
  return {
    ...args,
    getConfig: <T extends object>() => {
      const config = args.getConfig<RuleConfig>();
      return { ...config, tier: ruleTarget(target, config.tier, policy), stackConfig } as T;
    },
  };
}

/**
 * `stackConfig`: the stack's `storyforge:*` config as the CLI hands it to the pack (PULUMI_CONFIG), for the rules that
 * check the stack's own settings (policies/rules/stack.ts).
 */
export function buildPolicies(
  target: PolicyTarget,
  rules: readonly Rule[] = ALL_RULES,
  stackConfig?: Record<string, unknown>,
): Policies {
  return rulesFor(target, rules).map((rule): ResourceValidationPolicy | StackValidationPolicy => {
    const { level, sources, tierOnly: _tierOnly, checks: _checks, waivable: _waivable, ...policy } = rule;
    const common = {
      ...policy,
      enforcementLevel: enforcementFor(level, target),
      // Shown beside each finding in Pulumi Cloud; the level and sources are documented in README.md (Policy pack).
      tags: [`level:${level}`, ...sources],
    };
    if (isStackRule(rule)) {
      return {
        ...common,
        validateStack: (args, report) => rule.validateStack(withTarget(args, target, rule.name, stackConfig), report),
      };
    }
    return {
      ...common,
      validateResource: (args, report) =>
        rule.validateResource(withTarget(args, target, rule.name, stackConfig), report),
    };
  });
}

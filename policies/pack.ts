/**
 * Turns the rules into the policies the pack serves, for one tier: each policy's enforcement level comes from
 * its rule level (policies/tier.ts), and each handler sees that tier through `getConfig().tier` unless the
 * policy config names another. Pure: `policies/index.ts` calls it and constructs the `PolicyPack`; tests call
 * it without starting anything.
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
import { enforcementFor, type PolicyTier } from "./tier";

function withTier<A extends ResourceValidationArgs | StackValidationArgs>(args: A, tier: PolicyTier): A {
  return { ...args, getConfig: <T extends object>() => ({ tier, ...args.getConfig<RuleConfig>() }) as T };
}

export function buildPolicies(tier: PolicyTier, rules: readonly Rule[] = ALL_RULES): Policies {
  return rules.map((rule): ResourceValidationPolicy | StackValidationPolicy => {
    const { level, sources, ...policy } = rule;
    const common = {
      ...policy,
      enforcementLevel: enforcementFor(level, tier),
      // Shown beside each finding in Pulumi Cloud; the level and sources are documented in README.md (Policy pack).
      tags: [`level:${level}`, ...sources],
    };
    if (isStackRule(rule)) {
      return { ...common, validateStack: (args, report) => rule.validateStack(withTier(args, tier), report) };
    }
    return { ...common, validateResource: (args, report) => rule.validateResource(withTier(args, tier), report) };
  });
}

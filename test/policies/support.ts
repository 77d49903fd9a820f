/**
 * Builders for policy tests: call a rule's handler the way the CLI would, with constructed arguments, and
 * collect what it reports. Never constructs a PolicyPack.
 */
import type { ResourceRule, RuleConfig, StackRule } from "../../policies/rules/kit";
import {
  offlineIdOf,
  policyResources,
  resourceValidationArgs,
  stackValidationArgs,
  type PlannedResource,
} from "../../policies/evaluate";
import type { PolicyTarget } from "../../policies/tier";

export interface RunOptions {
  /** The stack name in the URN (default: the tier). It never decides the tier. */
  stack?: string;
  /** What the stack is checked as, handed to the handler through policy config as the pack does (default: v1). */
  tier?: PolicyTarget;
  config?: RuleConfig;
  name?: string;
}

/** Violations `rule` reports for one resource of `type` with `props`. */
export function violations(
  rule: ResourceRule,
  type: string,
  props: Record<string, unknown>,
  options: RunOptions = {},
): string[] {
  const found: string[] = [];
  const config: RuleConfig = { tier: options.tier ?? "v1", ...(options.config ?? {}) };
  const stack = options.stack ?? options.tier ?? "v1";
  const args = resourceValidationArgs(stack, { type, name: options.name ?? "subject", props }, config);
  const result = rule.validateResource(args, (message) => found.push(message));
  if (result instanceof Promise) throw new Error("rules in this pack are synchronous");
  return found;
}

export interface StackViolation {
  message: string;
  resource?: string;
}

/** Violations a stack rule reports over `resources` (ids as in the offline plan: `${name}-id`). */
export function stackViolations(
  rule: StackRule,
  resources: readonly PlannedResource[],
  options: RunOptions = {},
): StackViolation[] {
  const found: StackViolation[] = [];
  const config: RuleConfig = { tier: options.tier ?? "v1", ...(options.config ?? {}) };
  const stack = options.stack ?? options.tier ?? "v1";
  const result = rule.validateStack(
    stackValidationArgs(policyResources(stack, resources, offlineIdOf), config),
    (message, urn) =>
      found.push(urn === undefined ? { message } : { message, resource: urn.slice(urn.lastIndexOf("::") + 2) }),
  );
  if (result instanceof Promise) throw new Error("rules in this pack are synchronous");
  return found;
}

/** A deep copy of `base` with `change` applied: each failing case changes one field of a passing resource. */
export function mutate<T>(base: T, change: (copy: T) => void): T {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}

/** A failing case: what changes, the change (one field), and what the violation must say. */
export type Case = [label: string, change: (props: any) => void, expected: RegExp];

/**
 * The shape every resource rule's tests take: the compliant resource passes, then each case changes one field
 * of it and must produce exactly one violation matching `expected`.
 */
export function describeResourceRule(
  rule: ResourceRule,
  type: string,
  compliant: Record<string, unknown>,
  cases: readonly Case[],
  options: RunOptions = {},
): void {
  describe(`${rule.name} (${rule.level})`, () => {
    it(`passes a compliant ${type.split(":").pop() ?? type}`, () => {
      expect(violations(rule, type, compliant, options)).toEqual([]);
    });
    it.each(cases.map(([label, change, expected]) => ({ label, change, expected })))(
      "fails when $label",
      ({ change, expected }) => {
        const found = violations(rule, type, mutate(compliant, change), options);
        expect(found).toHaveLength(1);
        expect(found[0]).toMatch(expected);
      },
    );
  });
}

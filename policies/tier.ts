/**
 * Tier-aware enforcement, in one place.
 *
 * Every rule carries a level:
 *   - `M` mandatory at every tier;
 *   - `T` mandatory for v1 and v2, advisory for mvp and preview stacks;
 *   - `A` advisory everywhere.
 *
 * CrossGuard fixes a policy's enforcement level when the `PolicyPack` is constructed, so `policies/index.ts`
 * resolves the tier once, at construction, and gives each policy the level `enforcementFor` computes. The same
 * tier is handed to every rule handler (through `getConfig().tier`) for tier-dependent thresholds such as the
 * backup retention days, so the level and the thresholds can never come from two different tiers.
 */
import { TIERS, isTierName, type TierName, type TierSpec } from "../stacks/tiers";

export type RuleLevel = "M" | "T" | "A";

/** What the pack enforces for: a capacity tier, or a short-lived preview stack. */
export type PolicyTier = TierName | "preview";

export const POLICY_TIERS: readonly PolicyTier[] = ["mvp", "v1", "v2", "preview"];

/** The environment variable that overrides the stack-derived tier (documented in README.md (Policy pack)). */
export const TIER_ENV = "STORYFORGE_POLICY_TIER";

export function isPolicyTier(value: unknown): value is PolicyTier {
  return value === "preview" || isTierName(value);
}

/** The CrossGuard enforcement level a rule of `level` gets at `tier`. */
export function enforcementFor(level: RuleLevel, tier: PolicyTier): "mandatory" | "advisory" {
  switch (level) {
    case "M":
      return "mandatory";
    case "A":
      return "advisory";
    case "T":
      return tier === "v1" || tier === "v2" ? "mandatory" : "advisory";
  }
}

/**
 * The tier a stack name stands for: `mvp`, `v1`, `v2` as they are; `preview`, `preview-*` and `pr-*` are
 * preview stacks. Any other name is not a tier, and the caller must refuse to guess.
 */
export function tierFromStackName(stack: string): PolicyTier | undefined {
  if (isTierName(stack)) return stack;
  if (stack === "preview" || stack.startsWith("preview-") || /^pr-\d+/.test(stack)) return "preview";
  return undefined;
}

/** The stack name inside a Pulumi URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackFromUrn(urn: string): string | undefined {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn);
  return match?.[1];
}

/** The last segment of a URN: the resource's name. */
export function nameFromUrn(urn: string): string {
  const at = urn.lastIndexOf("::");
  return at === -1 ? urn : urn.slice(at + 2);
}

/**
 * Resolves the tier the pack enforces for. The explicit override wins over the stack name; a stack name that is
 * not a tier is an error naming it, never a silent default.
 */
export function resolvePackTier(sources: { env: string | undefined; stack: string }): PolicyTier {
  if (sources.env !== undefined && sources.env !== "") {
    if (!isPolicyTier(sources.env)) {
      throw new Error(`${TIER_ENV} must be one of ${POLICY_TIERS.join(", ")}, got "${sources.env}"`);
    }
    return sources.env;
  }
  const fromStack = tierFromStackName(sources.stack);
  if (fromStack === undefined) {
    throw new Error(
      `stack "${sources.stack}" is not a tier (${POLICY_TIERS.join(", ")}, preview-*, pr-*); ` +
        `set ${TIER_ENV} to choose the tier the policy pack enforces`,
    );
  }
  return fromStack;
}

/**
 * The capacity tier whose numbers a rule compares against. Preview stacks are sized like mvp (they reuse a base
 * tier's cluster and keep only small stateful services of their own).
 */
export function sizingFor(tier: PolicyTier): TierSpec {
  return TIERS[tier === "preview" ? "mvp" : tier];
}

/**
 * What the pack checks a stack as, and how strictly, in one place.
 *
 * A stack of the tier project is checked as the tier its config names (`storyforge:tier` in `Pulumi.<stack>.yaml`,
 * which the CLI hands the pack in PULUMI_CONFIG), never as its name suggests: a stack named `staging` with
 * `storyforge:tier: v1` is v1. A stack of the previews project (storyforge-preview) has no tier: it is checked by
 * the preview rule set, every rule except those that size a tier (`tierOnly`: capacity, budget, replica floors,
 * backup days), which a preview, one pod of each kind in a tier's cluster, cannot and need not meet.
 *
 * Every rule carries a level:
 *   - `M` mandatory everywhere;
 *   - `T` mandatory for v1 and v2, advisory for mvp and previews (they carry no production traffic);
 *   - `A` advisory everywhere.
 *
 * CrossGuard fixes a policy's enforcement level when the `PolicyPack` is constructed, so `policies/index.ts`
 * resolves the target once, at construction, and gives each policy the level `enforcementFor` computes. The same
 * target is handed to every rule handler (through `getConfig().tier`) for tier-dependent thresholds, so the level and
 * the thresholds can never come from two different tiers.
 */
import { PROJECT } from "../stacks/config";
import { PREVIEW_PROJECT } from "../stacks/preview/config";
import { isTierName, TIER_NAMES, type TierName } from "../stacks/tiers";

export type RuleLevel = "M" | "T" | "A";

/** A stack of the previews project: checked by the preview rule set, not as a tier. */
export const PREVIEW = "preview";

/** What the pack checks a stack as: the capacity tier of a tier stack, or a preview. */
export type PolicyTarget = TierName | typeof PREVIEW;

export const POLICY_TARGETS: readonly PolicyTarget[] = [...TIER_NAMES, PREVIEW];

/** The environment variable that may confirm or raise the config's tier (documented in README.md (Policy pack)). */
export const TIER_ENV = "STORYFORGE_POLICY_TIER";

export function isPolicyTarget(value: unknown): value is PolicyTarget {
  return value === PREVIEW || isTierName(value);
}

/** The CrossGuard enforcement level a rule of `level` gets for `target`. */
export function enforcementFor(level: RuleLevel, target: PolicyTarget): "mandatory" | "advisory" {
  switch (level) {
    case "M":
      return "mandatory";
    case "A":
      return "advisory";
    case "T":
      return target === "v1" || target === "v2" ? "mandatory" : "advisory";
  }
}

/**
 * Whether `tier` is at least as strict as `than`: tiers in the order mvp < v1 < v2, the order of their enforcement
 * (T rules become mandatory at v1) and of their reliability thresholds (backup days, replica floors).
 */
export function atLeast(tier: TierName, than: TierName): boolean {
  return TIER_NAMES.indexOf(tier) >= TIER_NAMES.indexOf(than);
}

/** What the pack cannot check a stack as: named, never guessed around. */
export class PackTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PackTargetError";
  }
}

export interface PackSources {
  /** The project the stack belongs to (`pulumi.getProject()`; the plan harness knows it). */
  project: string;
  /** The stack's name, for messages only: it never decides the tier. */
  stack: string;
  /** The stack's `storyforge:tier` config value (`new pulumi.Config("storyforge").get("tier")`, the stack file). */
  configTier: unknown;
  /** STORYFORGE_POLICY_TIER, if set. */
  env: string | undefined;
}

/**
 * Resolves what the pack checks a stack as. A tier stack: its config's tier, which the environment override may
 * confirm or raise but never lower. A preview stack: the preview rule set (no override applies). Anything else is an
 * error naming the stack and what is wrong, never a guess.
 */
export function resolvePackTarget(sources: PackSources): PolicyTarget {
  const { project, stack, configTier } = sources;
  const env = sources.env === "" ? undefined : sources.env;
  if (project === PREVIEW_PROJECT) {
    if (env !== undefined) {
      throw new PackTargetError(
        `${TIER_ENV}=${env}: stack "${stack}" is a preview (project ${PREVIEW_PROJECT}), checked by the preview rule set, not as a tier; unset ${TIER_ENV}`,
      );
    }
    return PREVIEW;
  }
  if (project !== PROJECT) {
    throw new PackTargetError(
      `the StoryForge policy pack checks stacks of the projects ${PROJECT} and ${PREVIEW_PROJECT}, got project "${project}" (stack "${stack}")`,
    );
  }
  if (configTier === undefined || configTier === "") {
    throw new PackTargetError(
      `stack "${stack}" has no ${PROJECT}:tier in its config (Pulumi.${stack}.yaml): the policy pack checks a stack as the tier its config names (${TIER_NAMES.join(", ")})`,
    );
  }
  if (!isTierName(configTier)) {
    throw new PackTargetError(
      `stack "${stack}": ${PROJECT}:tier must be one of ${TIER_NAMES.join(", ")}, got ${JSON.stringify(configTier)}`,
    );
  }
  if (env === undefined) return configTier;
  if (!isTierName(env)) throw new PackTargetError(`${TIER_ENV} must be one of ${TIER_NAMES.join(", ")}, got "${env}"`);
  if (!atLeast(env, configTier)) {
    throw new PackTargetError(
      `${TIER_ENV}=${env} would check stack "${stack}" below its ${PROJECT}:tier ${configTier}; it may only confirm or raise the tier`,
    );
  }
  return env;
}

/**
 * The target a rule applies, given the pack's and a per-policy `tier` from policy config: the same rule as the
 * environment override, so a policy config can confirm or raise the tier, never lower it, and never turn a preview
 * into a tier or a tier into a preview.
 */
export function ruleTarget(pack: PolicyTarget, configured: unknown, policy: string): PolicyTarget {
  if (configured === undefined) return pack;
  if (!isPolicyTarget(configured)) {
    throw new PackTargetError(
      `policy ${policy}: config "tier" must be one of ${POLICY_TARGETS.join(", ")}, got ${JSON.stringify(configured)}`,
    );
  }
  if (configured === pack) return pack;
  if (configured === PREVIEW || pack === PREVIEW || !atLeast(configured, pack)) {
    throw new PackTargetError(
      `policy ${policy}: config "tier" ${configured} would check a stack checked as ${pack} more leniently or as something it is not; it may only confirm or raise the tier`,
    );
  }
  return configured;
}

/** The last segment of a URN: the resource's name. */
export function nameFromUrn(urn: string): string {
  const at = urn.lastIndexOf("::");
  return at === -1 ? urn : urn.slice(at + 2);
}

/**
 * What every component needs to know about the stack it is in: its validated config, how to name things in the
 * cloud and how to tag them. Built once in infra/index.ts and passed to components.
 */
import { type StackConfig } from "../../stacks/config";
import { NAME_LIMITS, physicalName } from "./naming";

export interface StackContext {
  readonly config: StackConfig;
  /** `storyforge-<stack>-<part>` within `maxLength` (see NAME_LIMITS). */
  name(part: string, maxLength?: number): string;
  /** The tags every taggable AWS resource carries (policy: project, stack, tier, owner), plus `extra`. */
  tags(extra?: Record<string, string>): Record<string, string>;
}

export const REQUIRED_TAGS = ["project", "stack", "tier", "owner"] as const;

export function createContext(config: StackConfig): StackContext {
  const base: Record<string, string> = {
    project: config.project,
    stack: config.stack,
    tier: config.tier.name,
    owner: config.owner,
    "managed-by": "pulumi",
  };
  return {
    config,
    name: (part, maxLength = NAME_LIMITS.default) => physicalName(config.project, config.stack, part, maxLength),
    tags: (extra = {}) => ({ ...base, ...extra }),
  };
}

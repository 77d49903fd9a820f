/**
 * What every component needs to know about the stack it is in: its validated config, how to name things in the
 * cloud and how to tag them. Built once in infra/index.ts and passed to components.
 */
import * as pulumi from "@pulumi/pulumi";
import { type StackConfig } from "../../stacks/config";
import { bucketName, NAME_LIMITS, physicalName } from "./naming";

export interface StackContext {
  readonly config: StackConfig;
  /** `storyforge-<stack>-<part>` within `maxLength` (see NAME_LIMITS). */
  name(part: string, maxLength?: number): string;
  /** An S3 bucket name, unique across accounts: `storyforge-<stack>-<part>-<account>-<region>`. */
  bucketName(part: string, account: pulumi.Input<string>): pulumi.Output<string>;
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
    bucketName: (part, account) =>
      pulumi.output(account).apply((id) => bucketName(config.project, config.stack, part, id, config.region)),
    tags: (extra = {}) => ({ ...base, ...extra }),
  };
}

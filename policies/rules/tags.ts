/**
 * Tags: every taggable AWS resource carries the four ownership tags. "Taggable" is read from the provider
 * package (policies/taggable-types.json, written by tools/gen/taggable-types.ts), not guessed.
 */
import taggable from "../taggable-types.json";
import { resourceRule, type Rule } from "./kit";

/** The tags infra/lib/context.ts sets on every taggable resource. */
export const REQUIRED_TAGS = ["project", "stack", "tier", "owner"] as const;

export const TAGGABLE_TYPES: readonly string[] = taggable;

export const requiredTags = resourceRule({
  name: "aws-required-tags",
  description: `Every taggable AWS resource carries the tags ${REQUIRED_TAGS.join(", ")}.`,
  level: "M",
  sources: ["AWS tagging best practices (cost allocation and ownership)", "Pulumi policy-pack required-tags pattern"],
  types: TAGGABLE_TYPES,
  check: (props, _ctx, report) => {
    const tags: Record<string, unknown> = props.tags ?? {};
    const missing = REQUIRED_TAGS.filter((key) => typeof tags[key] !== "string" || tags[key] === "");
    if (missing.length > 0) report(`missing tag(s) ${missing.join(", ")}`);
  },
});

export const tagRules: readonly Rule[] = [requiredTags];

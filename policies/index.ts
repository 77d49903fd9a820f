/**
 * The StoryForge CrossGuard pack. The only file that constructs the `PolicyPack` (its constructor starts the
 * gRPC server the Pulumi CLI talks to), so nothing else may import it.
 *
 *   pulumi preview --stack v1 --policy-pack policies
 *
 * What the stack is checked as is resolved once, here (policies/tier.ts): a stack of the previews project by the
 * preview rule set; a tier stack as the tier of its config, `storyforge:tier`, which the CLI hands the pack in
 * PULUMI_CONFIG (STORYFORGE_POLICY_TIER may confirm or raise it). See README.md (Policy pack).
 */
import * as pulumi from "@pulumi/pulumi";
import { PolicyPack } from "@pulumi/policy";
import { buildPolicies } from "./pack";
import { BUDGET_KEY } from "./rules/stack";
import { TIER_ENV, resolvePackTarget } from "./tier";

const target = resolvePackTarget({
  project: pulumi.getProject(),
  stack: pulumi.getStack(),
  configTier: new pulumi.Config("storyforge").get("tier"),
  env: process.env[TIER_ENV],
});

// The stack's own settings, which rules about what the resource view cannot see check (policies/rules/stack.ts).
const storyforge = new pulumi.Config("storyforge");
const stackConfig = { [BUDGET_KEY]: storyforge.get(BUDGET_KEY.slice(BUDGET_KEY.indexOf(":") + 1)) };

new PolicyPack("storyforge", {
  description: `StoryForge security, reliability, capacity and cost guardrails, enforced for ${target === "preview" ? "a preview stack" : `tier ${target}`}.`,
  policies: buildPolicies(target, undefined, stackConfig),
});

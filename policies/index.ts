/**
 * The StoryForge CrossGuard pack. The only file that constructs the `PolicyPack` (its constructor starts the
 * gRPC server the Pulumi CLI talks to), so nothing else may import it.
 *
 *   pulumi preview --stack v1 --policy-pack policies
 *
 * The tier is resolved once, here: STORYFORGE_POLICY_TIER if set, else the stack name the CLI runs the pack
 * for (`pulumi.getStack()`). See README.md (Policy pack).
 */
import * as pulumi from "@pulumi/pulumi";
import { PolicyPack } from "@pulumi/policy";
import { buildPolicies } from "./pack";
import { TIER_ENV, resolvePackTier } from "./tier";

const tier = resolvePackTier({ env: process.env[TIER_ENV], stack: pulumi.getStack() });

new PolicyPack("storyforge", {
  description: `StoryForge security, reliability, capacity and cost guardrails, enforced for tier ${tier}.`,
  policies: buildPolicies(tier),
});

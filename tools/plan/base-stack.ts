/**
 * What a preview's StackReference reads under the mock runtime: the outputs a tier stack's infra/tier.ts
 * exports (`tier`, `region`, `cluster`, `app`), built from the tier model for the referenced stack, so the
 * preview plan sees the node classes and image repository a real base stack would export.
 */
import { createHash } from "node:crypto";
import { instanceClassOf } from "../../infra/lib/capacity";
import { physicalName } from "../../infra/lib/naming";
import { PROJECT } from "../../stacks/config";
import { isTierName, NODE_ROLES, TIERS } from "../../stacks/tiers";

/** `org/project/stack` → the mocked outputs of that tier stack; the stack's name must be a tier (mvp, v1, v2). */
export function mockBaseStackOutputs(reference: string, region: string, accountId: string): Record<string, unknown> {
  const stack = reference.split("/").pop() ?? "";
  if (!isTierName(stack)) {
    throw new Error(
      `strict mocks: StackReference ${JSON.stringify(reference)}: the mocked base stack must be a tier (mvp, v1, v2)`,
    );
  }
  const tier = TIERS[stack];
  const digest = createHash("sha256").update(`base-image-${stack}`).digest("hex");
  return {
    tier: tier.name,
    region,
    cluster: {
      name: physicalName(PROJECT, stack, "cluster"),
      endpoint: `https://${digest.slice(0, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
      // What the preview reads of `cluster.nodeGroups` (the cluster exports full NodeGroupSpecs): each role's class.
      nodeGroups: Object.fromEntries(NODE_ROLES.map((role) => [role, { instanceClass: instanceClassOf(role, tier) }])),
    },
    app: {
      imageRef: `${accountId}.dkr.ecr.${region}.amazonaws.com/${physicalName(PROJECT, stack, "app")}@sha256:${digest}`,
    },
  };
}

/**
 * What a preview's StackReference reads under the mock runtime: the outputs of the tier stack it names, typed by
 * the tier program's own declaration (TierStackOutputs, infra/outputs.ts), the parts a preview reads. They are built
 * from that stack's file (`Pulumi.<stack>.yaml`: its tier and overrides, as the tier program would load them), so
 * the preview plan sees the node groups and image repository a real base stack would export.
 */
import { createHash } from "node:crypto";
import { nodeGroupSpecs } from "../../infra/components/cluster";
import { physicalName } from "../../infra/lib/naming";
import { type TierStackOutputs } from "../../infra/outputs";
import { PROJECT, resolveStackConfig } from "../../stacks/config";
import { hasStackFile, readStackFile, stackDir, stacksIn } from "./stack-files";

/** The base stack outputs the mock answers: as TierStackOutputs declares them, those a preview reads. */
export type MockedBaseStackOutputs = Pick<TierStackOutputs, "tier" | "region" | "cluster"> & {
  app: Pick<TierStackOutputs["app"], "imageRef">;
};

/** `org/storyforge/stack` → the mocked outputs of that tier stack, which must have a stack file. */
export function mockBaseStackOutputs(reference: string, accountId: string): MockedBaseStackOutputs {
  const [, project, stack = ""] = reference.split("/");
  if (project !== PROJECT || !hasStackFile(stack)) {
    throw new Error(
      `strict mocks: StackReference ${JSON.stringify(reference)}: the mocked base stack must be a stack of the tier project with a stack file (org/${PROJECT}/<${stacksIn(stackDir()).join("|")}>)`,
    );
  }
  const { file, values } = readStackFile(stack);
  const config = resolveStackConfig({ stack, stackFile: file, values });
  const region = config.region;
  const digest = createHash("sha256").update(`base-image-${stack}`).digest("hex");
  const id = digest.slice(0, 32).toUpperCase();
  return {
    tier: config.tier.name,
    region,
    cluster: {
      name: physicalName(PROJECT, stack, "cluster"),
      endpoint: `https://${id}.gr7.${region}.eks.amazonaws.com`,
      kubernetesVersion: config.cluster.kubernetesVersion,
      oidcProviderArn: `arn:aws:iam::${accountId}:oidc-provider/oidc.eks.${region}.amazonaws.com/id/${id}`,
      nodeGroups: nodeGroupSpecs(config.tier),
    },
    app: {
      imageRef: `${accountId}.dkr.ecr.${region}.amazonaws.com/${physicalName(PROJECT, stack, "app")}@sha256:${digest}`,
    },
  };
}

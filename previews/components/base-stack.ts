/**
 * A preview's view of its base stack: the tier stack's outputs (TierStackOutputs, infra/outputs.ts) read through a
 * StackReference, the Kubernetes provider for its cluster, and its image repository. Read, never modified.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { eksKubeconfig } from "../../infra/lib/kubeconfig";
import { type TierStackOutputs } from "../../infra/outputs";

/** The outputs of the base stack a preview reads. */
export type BaseStackOutputs = Pick<TierStackOutputs, "cluster" | "app">;

export interface BaseStack {
  cluster: pulumi.Output<BaseStackOutputs["cluster"]>;
  app: pulumi.Output<BaseStackOutputs["app"]>;
  /** Provider for the base stack's EKS cluster. */
  provider: k8s.Provider;
  /** The ECR repository URL of the base stack's image. */
  repository: pulumi.Output<string>;
}

/** The ECR repository URL of an image reference `<repo>@sha256:...` or `<repo>:<tag>`. */
export function repositoryOf(imageRef: string): string {
  const repo = imageRef.split("@")[0].replace(/:[^/:]+$/, "");
  if (!/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/.+$/.test(repo)) {
    throw new Error(`the base stack's app.imageRef must be an ECR image reference, got ${JSON.stringify(imageRef)}`);
  }
  return repo;
}

/**
 * Why a base stack cannot host a preview, or undefined. A preview's route is an ALB Ingress, which only the
 * Load Balancer Controller of a stack with `storyforge:hostsPreviews` serves (elsewhere it has neither the rights
 * nor the `alb` IngressClass), so on any other base the Ingress would never get a load balancer.
 */
export function hostingProblem(reference: string, cluster: Pick<BaseStackOutputs["cluster"], "hostsPreviews">) {
  if (cluster.hostsPreviews === true) return undefined;
  return (
    `base stack ${reference} does not host previews (its output cluster.hostsPreviews is ` +
    `${String(cluster.hostsPreviews)}): set storyforge:hostsPreviews: true in that stack's config and deploy it, ` +
    `or set storyforge-preview:baseStack to a stack that hosts previews`
  );
}

/** Reads `reference` (`org/storyforge/stack`) and builds the provider of its cluster, as children of `parent`. */
export function readBaseStack(
  name: string,
  args: { reference: string; region: string },
  parent: pulumi.Resource,
): BaseStack {
  const base = new pulumi.StackReference(`${name}-base`, { name: args.reference }, { parent });
  const cluster = (base.requireOutput("cluster") as pulumi.Output<BaseStackOutputs["cluster"]>).apply((c) => {
    const problem = hostingProblem(args.reference, c);
    if (problem !== undefined) throw new Error(problem);
    return c;
  });
  const app = base.requireOutput("app") as pulumi.Output<BaseStackOutputs["app"]>;
  // Everything in the base's cluster goes through this provider, so nothing is created there before the check.
  const eks = aws.eks.getClusterOutput({ name: cluster.apply((c) => c.name) }, { parent });
  // Token auth through the AWS CLI, as the base stack's own provider does: no credential is stored.
  const kubeconfig = pulumi
    .all([eks.name, eks.endpoint, eks.certificateAuthorities])
    .apply(([n, server, cas]) =>
      eksKubeconfig({ name: n, endpoint: server, certificateAuthority: cas[0]?.data ?? "", region: args.region }),
    );
  const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig, enableServerSideApply: true }, { parent });
  return { cluster, app, provider, repository: app.apply((a) => repositoryOf(a.imageRef)) };
}

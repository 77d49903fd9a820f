import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { join, resolve } from "node:path";
import { contextHash, relativeContext } from "../../infra/lib/build-context";
import { previewCost, type PreviewCost } from "../../infra/lib/cost/preview";
import { NODE_ROLES } from "../../stacks/tiers";
import { type PreviewConfig } from "../../stacks/preview/config";
import { checkQuota, PREVIEW_SPEC, type PreviewNodeRole, type PreviewSpec } from "../../stacks/preview/spec";
import { previewApp } from "./app";
import { readBaseStack } from "./base-stack";
import { previewDataStores } from "./data-stores";
import { previewNamespace } from "./namespace";

/** Repository root: the build context of the app image (the same Dockerfile the tiers build). */
const REPO_ROOT = join(__dirname, "..", "..");

export interface PreviewArgs {
  /** The validated preview config (stacks/preview/config.ts). */
  config: PreviewConfig;
  /**
   * Pods, volumes, quota and limit range.
   * @default PREVIEW_SPEC (stacks/preview/spec.ts)
   */
  spec?: PreviewSpec;
  /**
   * Build context of the image.
   * @default the repository root
   */
  contextPath?: string;
}

/**
 * A preview of a branch (issue 7): its own namespace in the base stack's EKS cluster holding the API and the
 * worker (one pod each, the branch's image by digest), a single-instance PostgreSQL and Redis as StatefulSets
 * whose volumes are deleted with the namespace, an Ingress on the shared preview ALB (host `<namespace>.<domain>`),
 * and a ResourceQuota and LimitRange so it cannot starve the cluster. No OpenSearch: the API searches with
 * PostgreSQL. It creates no AWS resource besides the image pushed to the base stack's ECR repository.
 *
 * Monthly cost: no node of its own; its pods take ≈ $28 of the base stack's node capacity at every tier (mvp $28.88,
 * v1 $27.91, v2 $27.66 including 12 GiB of gp3: the `incrementalCost` output, priced by infra/lib/cost/preview.ts),
 * plus a share of the one preview ALB (≈ $16/month + LCUs while any preview exists).
 */
export class Preview extends pulumi.ComponentResource {
  /** `https://<namespace>.<domain>`. */
  readonly url: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** `sha256:<hex>` of the image built from the branch. */
  readonly imageDigest: pulumi.Output<string>;
  readonly imageRef: pulumi.Output<string>;
  /** Its pods' requests priced at the base stack's node-group rates, plus its volumes. */
  readonly incrementalCost: pulumi.Output<PreviewCost>;

  constructor(name: string, args: PreviewArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:preview:Preview", name, {}, opts);
    const { config } = args;
    const spec = args.spec ?? PREVIEW_SPEC;
    const contextPath = resolve(args.contextPath ?? REPO_ROOT);
    const quotaProblems = checkQuota(spec);
    if (quotaProblems.length > 0) throw new Error(`preview spec: ${quotaProblems.join("; ")}`);
    const host = `${config.stack}.${config.domain}`;
    const labels = (app: string) => ({
      "app.kubernetes.io/name": app,
      "app.kubernetes.io/part-of": "storyforge",
      "app.kubernetes.io/instance": config.stack,
    });

    const base = readBaseStack(name, { reference: config.baseStack, region: config.region }, this);
    const k8sOpts = { parent: this, provider: base.provider };
    const image = this.buildImage(name, base.repository, config.stack, contextPath);
    const imageRef = pulumi.interpolate`${base.repository}@${image.digest}`;
    const { namespace, guards } = previewNamespace(name, { config, spec }, k8sOpts);
    const ns = namespace.metadata.name;
    const data = previewDataStores(name, { namespace: ns, spec, labels, guards }, k8sOpts);
    const app = previewApp(name, { config, spec, namespace: ns, host, imageRef, labels, data, guards }, k8sOpts);

    // The URL is worth printing once its route, the API (after migrations, PostgreSQL and Redis) and the worker exist.
    this.url = pulumi
      .all([app.ingress.metadata.name, app.api.metadata.name, app.worker.metadata.name])
      .apply(() => `https://${host}`);
    this.namespace = ns;
    this.imageDigest = image.digest;
    this.imageRef = imageRef;
    this.incrementalCost = base.cluster.apply((c) => {
      const classes = {} as Record<PreviewNodeRole, string>;
      for (const role of NODE_ROLES) {
        const group = c.nodeGroups?.[role];
        if (group === undefined)
          throw new Error(`base stack ${config.baseStack}: cluster.nodeGroups.${role} is missing from its outputs`);
        classes[role] = group.instanceClass;
      }
      return previewCost(classes, config.region, spec);
    });
    // `url` is left out: it resolves last (after the pods' objects), and the stack exports it anyway.
    this.registerOutputs({
      namespace: this.namespace,
      imageDigest: this.imageDigest,
      incrementalCost: this.incrementalCost,
    });
  }

  /**
   * The branch's image, pushed to the base stack's repository under a preview tag (ECR tags are immutable, so the
   * tag carries the namespace and the source hash); pods run it by digest.
   */
  private buildImage(name: string, repository: pulumi.Output<string>, stack: string, contextPath: string) {
    const auth = aws.ecr.getAuthorizationTokenOutput(
      { registryId: repository.apply((r) => r.split(".")[0]) },
      { parent: this },
    );
    // Named relative to the working directory, so the image's inputs are the same from any checkout.
    const build = relativeContext(contextPath);
    return new dockerBuild.Image(
      `${name}-image`,
      {
        context: { location: build.location },
        dockerfile: { location: build.dockerfile },
        platforms: [dockerBuild.Platform.Linux_arm64],
        push: true,
        tags: [pulumi.interpolate`${repository}:${stack}-${contextHash(contextPath)}`],
        registries: [{ address: repository, username: auth.userName, password: pulumi.secret(auth.password) }],
        buildOnPreview: false,
      },
      { parent: this },
    );
  }
}

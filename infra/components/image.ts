import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { join, resolve } from "node:path";
import { PREVIEW_PREFIX } from "../../stacks/preview/naming";
import { contextHash, relativeContext } from "../lib/build-context";
import { type StackContext } from "../lib/context";
import { encryptionKey } from "./access";

/** The repository root: build context of the one image the API, the worker and the migrations share. */
const REPO_ROOT = join(__dirname, "..", "..");

/** Tag prefix of the tier's own images (`src-<source hash>`). */
export const SOURCE_TAG_PREFIX = "src-";
/** Tag prefix of the images preview stacks push into this repository (`preview-<name>-<source hash>`). */
export const PREVIEW_TAG_PREFIX = PREVIEW_PREFIX;

export interface LifecyclePolicyOptions {
  /** `src-` images kept; older ones expire. */
  keepImages: number;
  /** Days a `preview-` image is kept after its push. */
  previewImageDays: number;
  /** Days an untagged image (a superseded manifest, a failed push) is kept. @default 1 */
  untaggedImageDays?: number;
}

/**
 * The repository's lifecycle policy (ECR lifecycle policy schema): untagged images expire after a day, `preview-`
 * images after `previewImageDays`, and only `src-` images count towards the `keepImages` the tier may roll back
 * to, so preview pushes can never expire the image the tier's pods run. No rule uses `tagStatus: any`: an image
 * with another tag is never expired.
 */
export function lifecyclePolicy(options: LifecyclePolicyOptions): { rules: object[] } {
  const untaggedDays = options.untaggedImageDays ?? 1;
  const positive = (field: string, value: number, max: number) => {
    if (!Number.isInteger(value) || value < 1 || value > max)
      throw new Error(`${field} must be an integer from 1 to ${max}, got ${value}`);
  };
  positive("keepImages", options.keepImages, 1000);
  positive("previewImageDays", options.previewImageDays, 365);
  positive("untaggedImageDays", untaggedDays, 365);
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${untaggedDays} day(s)`,
        selection: {
          tagStatus: "untagged",
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: untaggedDays,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Expire preview images ${options.previewImageDays} days after their push`,
        selection: {
          tagStatus: "tagged",
          tagPrefixList: [PREVIEW_TAG_PREFIX],
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: options.previewImageDays,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 3,
        description: `Keep the last ${options.keepImages} tier images`,
        selection: {
          tagStatus: "tagged",
          tagPrefixList: [SOURCE_TAG_PREFIX],
          countType: "imageCountMoreThan",
          countNumber: options.keepImages,
        },
        action: { type: "expire" },
      },
    ],
  };
}

export interface ImageArgs {
  /** Stack context. */
  context: StackContext;
  /**
   * Build context directory (absolute, or relative to the program's working directory). The resource names it
   * relative to the working directory, so the folder a checkout sits in never reaches the plan.
   * @default the repository root
   */
  contextPath?: string;
  /**
   * Dockerfile, relative to the build context.
   * @default "Dockerfile"
   */
  dockerfile?: string;
  /**
   * Tier images (`src-` tags) ECR keeps; older ones expire. Rollbacks can reach this many builds back.
   * @default 30
   */
  keepImages?: number;
  /**
   * Days a preview stack's image (`preview-` tags) is kept after its push. Idle previews are destroyed after 72 h.
   * @default 14
   */
  previewImageDays?: number;
}

/**
 * The container image of the API, the worker and the migrations (issue 3 §3): one ECR repository (scan on push,
 * immutable tags, KMS-encrypted, a lifecycle policy keeping the last `keepImages` tier images apart from the
 * previews' short-lived pushes), and the image built from the
 * repository's Dockerfile for linux/arm64 (Graviton nodes) and pushed there. Workloads reference it by digest,
 * never by a tag, so a rollout always runs exactly the bytes that were built.
 *
 * Monthly cost: ECR storage at $0.10/GB-month (≈ $1-5 at every tier) plus the KMS key ($1).
 */
export class Image extends pulumi.ComponentResource {
  /** `<registry>/<repository>@sha256:<digest>`: what pods run. */
  readonly imageRef: pulumi.Output<string>;
  /** `sha256:<hex>` of the pushed manifest. */
  readonly digest: pulumi.Output<string>;
  readonly repositoryUrl: pulumi.Output<string>;
  readonly repositoryArn: pulumi.Output<string>;

  constructor(name: string, args: ImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:compute:Image", name, {}, opts);
    const { context } = args;
    const keepImages = args.keepImages ?? 30;
    const previewImageDays = args.previewImageDays ?? 14;
    // Validates both (the error names the field).
    const policy = lifecyclePolicy({ keepImages, previewImageDays });
    const parent = { parent: this };
    const contextRoot = resolve(args.contextPath ?? REPO_ROOT);
    const dockerfile = args.dockerfile ?? "Dockerfile";
    const build = relativeContext(contextRoot, process.cwd(), dockerfile);

    const key = encryptionKey(name, context, "ecr", this);
    const repository = new aws.ecr.Repository(
      `${name}-repository`,
      {
        name: context.name("app"),
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: key.arn }],
        // Images are rebuilt from source; a destroy of the stack may take them with it.
        forceDelete: true,
        tags: context.tags(),
      },
      parent,
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      {
        repository: repository.name,
        policy: JSON.stringify(policy),
      },
      parent,
    );

    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryArn = repository.arn;
    // A rollback (storyforge:imageTag): an older checkout's tag is already in this immutable repository, and a
    // rebuild would push other bytes into it, which ECR refuses; run the image pushed then, by its digest.
    this.digest =
      context.config.imageTag !== undefined
        ? aws.ecr.getImageOutput({ repositoryName: repository.name, imageTag: context.config.imageTag }, parent)
            .imageDigest
        : this.build(name, repository, contextRoot, dockerfile, build);
    this.imageRef = pulumi.interpolate`${repository.repositoryUrl}@${this.digest}`;
    this.registerOutputs({ imageRef: this.imageRef, digest: this.digest, repositoryUrl: this.repositoryUrl });
  }

  /** Builds the Dockerfile for linux/arm64 and pushes it under its context's tag; the pushed digest. */
  private build(
    name: string,
    repository: aws.ecr.Repository,
    contextRoot: string,
    dockerfile: string,
    build: { location: string; dockerfile: string },
  ): pulumi.Output<string> {
    const parent = { parent: this };
    // Short-lived registry credentials for the push; secret so they never reach the state in clear.
    const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, parent);
    const image = new dockerBuild.Image(
      `${name}-image`,
      {
        context: { location: build.location },
        dockerfile: { location: build.dockerfile },
        platforms: [dockerBuild.Platform.Linux_arm64],
        push: true,
        // Immutable repository: the tag follows the build context after .dockerignore, so a new context is a new
        // tag and an unchanged one (another checkout folder, a README edit) keeps its tag instead of pushing new
        // bytes into it. Pods use the digest.
        tags: [
          pulumi.interpolate`${repository.repositoryUrl}:${SOURCE_TAG_PREFIX}${contextHash(contextRoot, dockerfile)}`,
        ],
        registries: [
          {
            address: repository.repositoryUrl,
            username: auth.userName,
            password: pulumi.secret(auth.password),
          },
        ],
        buildOnPreview: false,
      },
      parent,
    );
    return image.digest;
  }
}

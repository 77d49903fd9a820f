// Builds the repository's Dockerfile, as it is, with buildah on the stand-in base: what `docker buildx build` does
// in a real deploy, minus the registry push.
import { join } from "node:path";
import { contextHash } from "../../infra/lib/build-context";
import { buildah, buildCaFile, imageSize, podman, type Engine } from "./engine";

/** Local name of the app image; the tag is the one ECR would get (`src-<context hash>`, infra/components/image.ts). */
export const APP_REPOSITORY = "localhost/storyforge-app";
/** The Dockerfile's build stage, kept tagged as the layer cache of the next build. */
const BUILD_STAGE_REPOSITORY = "localhost/storyforge-app-build";

export interface BuiltImage {
  name: string;
  /** The base it was built on (the Dockerfile's NODE_IMAGE build argument). */
  base: string;
  contextHash: string;
  sizeBytes: number;
  /** The app's own layers: the image minus its base. */
  appBytes: number;
  ms: number;
  /** The CA bundle handed to the build as the `build_ca` secret, if any. */
  caFile?: string;
}

export interface BuildOptions {
  base: string;
  /** @default the CA bundle this machine's Node trusts (engine.ts buildCaFile) */
  caFile?: string | null;
  log?: (line: string) => void;
}

/**
 * `buildah build` of the Dockerfile with NODE_IMAGE set to the stand-in base. Chroot isolation (these machines
 * refuse the OCI runtime's cgroup setup inside a build), layers cached in the checkout's storage, never a pull.
 * The proxy's CA goes in as a build secret: mounted for the install step only, in no layer.
 */
export async function buildAppImage(e: Engine, opts: BuildOptions): Promise<BuiltImage> {
  const started = Date.now();
  const hash = contextHash(e.repoRoot);
  const name = `${APP_REPOSITORY}:src-${hash}`;
  const caFile = opts.caFile === null ? undefined : (opts.caFile ?? (await buildCaFile()));
  opts.log?.(`build: ${name} on ${opts.base}${caFile === undefined ? "" : ` (build CA ${caFile})`}`);
  const build = (target: string[], tag: string) =>
    buildah(
      e,
      [
        "build",
        "--isolation",
        "chroot",
        "--layers",
        "--pull=never",
        // Docker's image format, as buildx pushes it: OCI's config has no HEALTHCHECK
        "--format",
        "docker",
        "--build-arg",
        `NODE_IMAGE=${opts.base}`,
        ...(caFile === undefined ? [] : ["--secret", `id=build_ca,src=${caFile}`]),
        ...target,
        "--file",
        join(e.repoRoot, "Dockerfile"),
        "--tag",
        tag,
        e.repoRoot,
      ],
      { timeoutMs: 40 * 60_000, logFile: join(e.dir, "build.log") },
    );
  await build([], name);
  // The build stage under a tag of its own (all cached, seconds): its layers (the npm install) stay the cache
  // of the next build while everything no tag leads to is pruned.
  await build(["--target", "build"], `${BUILD_STAGE_REPOSITORY}:src-${hash}`);
  await pruneStale(e, [name, `${BUILD_STAGE_REPOSITORY}:src-${hash}`]);
  const sizeBytes = await imageSize(e, name);
  const baseBytes = await imageSize(e, opts.base);
  return {
    name,
    base: opts.base,
    contextHash: hash,
    sizeBytes,
    appBytes: sizeBytes - baseBytes,
    ms: Date.now() - started,
    ...(caFile === undefined ? {} : { caFile }),
  };
}

/**
 * Removes older `src-` tags of the app and of its build stage, then the layers no tag leads to any more, so the
 * storage keeps one build's worth of layers (and the base) instead of growing with every lockfile change.
 */
async function pruneStale(e: Engine, keep: string[]): Promise<void> {
  const listed = await podman(e, ["images", "--format", "{{.Repository}}:{{.Tag}}"]);
  const stale = listed.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => [APP_REPOSITORY, BUILD_STAGE_REPOSITORY].some((r) => l.startsWith(`${r}:`)) && !keep.includes(l));
  if (stale.length > 0) await podman(e, ["rmi", ...stale]);
  await podman(e, ["image", "prune", "--force"]);
}

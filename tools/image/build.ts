// Builds the repository's Dockerfile, as it is, with buildah on the stand-in base: what `docker buildx build` does
// in a real deploy, minus the registry push.
import { join } from "node:path";
import { contextHash } from "../../infra/lib/build-context";
import { buildah, buildCaFile, imageSize, podman, type Engine } from "./engine";

/** Local name of the app image; the tag is the one ECR would get (`src-<context hash>`, infra/components/image.ts). */
export const APP_REPOSITORY = "localhost/storyforge-app";

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
  await buildah(
    e,
    [
      "build",
      "--isolation",
      "chroot",
      "--layers",
      "--pull=never",
      "--build-arg",
      `NODE_IMAGE=${opts.base}`,
      ...(caFile === undefined ? [] : ["--secret", `id=build_ca,src=${caFile}`]),
      "--file",
      join(e.repoRoot, "Dockerfile"),
      "--tag",
      name,
      e.repoRoot,
    ],
    { timeoutMs: 40 * 60_000, logFile: join(e.dir, "build.log") },
  );
  await removeOtherAppTags(e, name);
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

/** Older `src-` tags of this checkout's storage: their layers would pile up build after build. */
async function removeOtherAppTags(e: Engine, keep: string): Promise<void> {
  const listed = await podman(e, ["images", "--format", "{{.Repository}}:{{.Tag}}", APP_REPOSITORY]);
  const stale = listed.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith(`${APP_REPOSITORY}:`) && l !== keep);
  if (stale.length > 0) await podman(e, ["rmi", ...stale]);
}

// `npm run image -- <command>`: the app image without Docker (buildah and podman from Debian, as root).
//   base            make (or find) the stand-in for the Dockerfile's node base image
//   build           base, then build the Dockerfile on it; prints the image's name and size
//   tag             prints this checkout's tier image tag (src-<hash of the build context>): what a rollback to
//                   it sets as storyforge:imageTag
//   node-bin        prints the bin folder of the Dockerfile's Node version for this machine (used by .ci/run)
//   run api|worker|migrate
//                   runs the built image the way the cluster does (uid 1000, read-only root, /tmp tmpfs, host
//                   network) with DATABASE_URL, REDIS_URL... from this shell (`npm run dev:services` prints them)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { baseSpecFor, ensureBaseImage, targetNodeVersion } from "./base";
import { buildAppImage } from "./build";
import { engineFor, ensureTools, podman } from "./engine";
import { nodeBinFor } from "./node-dist";
import { appContainerArgs, appEnvKeys, ENTRY_POINTS, type EntryPoint } from "./run";
import { SOURCE_TAG_PREFIX } from "../../infra/components/image";
import { contextHash } from "../../infra/lib/build-context";

const ROOT = join(__dirname, "..", "..");
const say = (line: string) => process.stderr.write(`${line}\n`);
const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

async function build(): Promise<string> {
  await ensureTools();
  const engine = engineFor(ROOT);
  const base = await ensureBaseImage(engine, baseSpecFor(ROOT), say);
  say(`base: ${base.name} (${base.built ? `made in ${(base.ms / 1000).toFixed(0)} s` : "cached"})`);
  const image = await buildAppImage(engine, { base: base.name, log: say });
  say(
    `build: ${image.name} in ${(image.ms / 1000).toFixed(0)} s: ${mib(image.sizeBytes)} (app layers ${mib(image.appBytes)})`,
  );
  return image.name;
}

async function main(): Promise<void> {
  const [command, arg] = process.argv.slice(2);
  if (command === "base") {
    await ensureTools();
    const base = await ensureBaseImage(engineFor(ROOT), baseSpecFor(ROOT), say);
    process.stdout.write(`${base.name}\n`);
  } else if (command === "build") {
    process.stdout.write(`${await build()}\n`);
  } else if (command === "tag") {
    process.stdout.write(`${SOURCE_TAG_PREFIX}${contextHash(ROOT)}\n`);
  } else if (command === "node-bin") {
    const version = targetNodeVersion(readFileSync(join(ROOT, "Dockerfile"), "utf8"));
    process.stdout.write(`${await nodeBinFor(version, join(ROOT, ".tmp", "node"))}\n`);
  } else if (command === "run" && ENTRY_POINTS.includes(arg as EntryPoint)) {
    const image = await build();
    const envKeys = appEnvKeys(ROOT).filter((k) => process.env[k] !== undefined);
    const missing = ["DATABASE_URL", "REDIS_URL", "JWT_SECRET"].filter((k) => !envKeys.includes(k));
    if (arg !== "migrate" && missing.length > 0) {
      throw new Error(`set ${missing.join(", ")} first (npm run dev:services prints them)`);
    }
    const name = `storyforge-${arg}-${process.pid}`;
    const args = appContainerArgs({ name, image, entryPoint: arg as EntryPoint, envKeys });
    say(`podman run --rm ${args.join(" ")}`);
    // Attached: Ctrl-C reaches podman, which stops the container; --rm removes it.
    await podman(engineFor(ROOT), ["run", "--rm", ...args], { timeoutMs: 24 * 3600_000, inherit: true });
  } else {
    throw new Error("usage: npm run image -- base | build | tag | node-bin | run <api|worker|migrate>");
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

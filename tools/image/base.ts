// A stand-in for the Dockerfile's base image (`node:<version>-bookworm-slim`) made from Debian packages and the
// npm registry, since no Docker Hub is reachable: debootstrap bookworm (minbase, slimmed as debian:bookworm-slim
// is), the official Node build of that version (the registry's `node-linux-<arch>` package), npm, the `node` user
// (uid 1000), the docker-entrypoint.sh and the ENTRYPOINT/CMD of the official image. Cached in the checkout's image
// storage under a name that carries a hash of this recipe, so it is made once per checkout and recipe.
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { arch } from "node:os";
import { join } from "node:path";
import { imageExists, podman, run, runtimeArgs, type Engine } from "./engine";
import { nodeTarball, type DebianArch } from "./node-dist";

/** npm installed beside Node in the stand-in (the official image ships the npm bundled with its Node release). */
export const NPM_VERSION = "11.21.2";
export const SUITE = "bookworm";

export interface BaseSpec {
  nodeVersion: string;
  npmVersion: string;
  /** Debian's name of the architecture. */
  debianArch: DebianArch;
}

/**
 * The Node version the Dockerfile's `ARG NODE_IMAGE` targets. It must be an exact `node:X.Y.Z-bookworm-slim`: the
 * stand-in is built for that version, and a floating tag would let production run another.
 */
export function targetNodeVersion(dockerfile: string): string {
  const arg = /^ARG\s+NODE_IMAGE=(\S+)\s*$/m.exec(dockerfile)?.[1];
  if (arg === undefined) throw new Error("Dockerfile: no `ARG NODE_IMAGE=<image>` line");
  const version = /^node:(\d+\.\d+\.\d+)-bookworm-slim$/.exec(arg)?.[1];
  if (version === undefined) {
    throw new Error(`Dockerfile: ARG NODE_IMAGE must be node:<major.minor.patch>-bookworm-slim, got ${arg}`);
  }
  return version;
}

export function hostDebianArch(): BaseSpec["debianArch"] {
  const a = arch();
  if (a === "x64") return "amd64";
  if (a === "arm64") return "arm64";
  throw new Error(`stand-in base image: no Node build for architecture ${a}`);
}

export function baseSpecFor(repoRoot: string): BaseSpec {
  return {
    nodeVersion: targetNodeVersion(readFileSync(join(repoRoot, "Dockerfile"), "utf8")),
    npmVersion: NPM_VERSION,
    debianArch: hostDebianArch(),
  };
}

/** `localhost/storyforge-node-base:<node>-<hash of the spec and of this recipe>`. */
export function baseImageName(spec: BaseSpec): string {
  const recipe = readFileSync(__filename, "utf8");
  const key = createHash("sha256").update(JSON.stringify(spec)).update(recipe).digest("hex").slice(0, 12);
  return `localhost/storyforge-node-base:${spec.nodeVersion}-${key}`;
}

/** The first Debian mirror this machine's apt uses (so debootstrap goes where apt already goes). */
function debianMirror(): string {
  for (const file of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8");
    const uri =
      /^URIs:\s*(\S+\/debian)\s*$/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\s+\S+/m.exec(text)?.[1];
    if (uri !== undefined) return uri;
  }
  return "http://deb.debian.org/debian";
}

/** The official image's entrypoint behaviour: a first argument that is a flag or not a command goes to node. */
const ENTRYPOINT = `#!/bin/sh
set -e
if [ "\${1#-}" != "\${1}" ] || [ -z "$(command -v "\${1}")" ] || { [ -f "\${1}" ] && ! [ -x "\${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
`;

/** Paths debian:bookworm-slim keeps out of the image (its dpkg path-excludes), kept out here too. */
const SLIM_EXCLUDES = [
  "/usr/share/doc/*",
  "/usr/share/man/*",
  "/usr/share/info/*",
  "/usr/share/locale/*",
  "/usr/share/groff/*",
  "/usr/share/lintian/*",
  "/usr/share/linda/*",
];

/** Unmounts whatever a failed debootstrap left mounted under `dir` (proc, sys, dev), deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1])
    .filter((point): point is string => point !== undefined && point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) await run("umount", ["-l", point]);
}

/** Removes a scratch folder without ever crossing into a mount inside it. */
export async function removeScratch(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await unmountUnder(dir);
  await run("rm", ["-rf", "--one-file-system", dir], { timeoutMs: 300_000 });
}

export interface BaseResult {
  name: string;
  /** false: taken from the cache. */
  built: boolean;
  ms: number;
}

/** The stand-in base image for `spec`, made unless the checkout's storage already holds it. */
export async function ensureBaseImage(
  e: Engine,
  spec: BaseSpec,
  log: (line: string) => void = () => {},
): Promise<BaseResult> {
  const started = Date.now();
  const name = baseImageName(spec);
  if (await imageExists(e, name)) return { name, built: false, ms: Date.now() - started };
  const scratchRoot = join(e.dir, "scratch");
  mkdirSync(scratchRoot, { recursive: true });
  const work = mkdtempSync(join(scratchRoot, "base-"));
  const rootfs = join(work, "rootfs");
  const logFile = join(e.dir, "base.log");
  try {
    log(`base: debootstrap ${SUITE} (minbase, ${spec.debianArch}) from ${debianMirror()}`);
    await run("debootstrap", ["--variant=minbase", `--arch=${spec.debianArch}`, SUITE, rootfs, debianMirror()], {
      env: { DEBIAN_FRONTEND: "noninteractive" },
      timeoutMs: 30 * 60_000,
      logFile,
    });
    slim(rootfs);

    log(`base: Node ${spec.nodeVersion} and npm ${spec.npmVersion} from the npm registry`);
    const nodeTgz = await nodeTarball(spec.nodeVersion, spec.debianArch, join(e.repoRoot, ".tmp", "node"));
    // In the scratch folder: the project's .npmrc and lockfile have nothing to say about this download.
    await run("npm", ["pack", `npm@${spec.npmVersion}`, "--pack-destination", work], {
      cwd: work,
      timeoutMs: 10 * 60_000,
      logFile,
    });
    const npmTgz = readdirSync(work).find((f) => f.startsWith("npm-") && f.endsWith(".tgz"));
    if (npmTgz === undefined) throw new Error(`npm pack npm@${spec.npmVersion} left no tarball in ${work}`);
    const local = join(rootfs, "usr", "local");
    // As the official image: bin/node, the headers native addons build against, the man page, the licence.
    await run("tar", ["-xzf", nodeTgz, "-C", local, "--strip-components=1", "--no-same-owner"]);
    for (const stray of ["package.json", "README.md"]) await run("rm", ["-f", join(local, stray)]);
    const npmDir = join(local, "lib", "node_modules", "npm");
    mkdirSync(npmDir, { recursive: true });
    await run("tar", ["-xzf", join(work, npmTgz), "-C", npmDir, "--strip-components=1", "--no-same-owner"]);
    symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(local, "bin", "npm"));
    symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(local, "bin", "npx"));
    writeFileSync(join(local, "bin", "docker-entrypoint.sh"), ENTRYPOINT);
    chmodSync(join(local, "bin", "docker-entrypoint.sh"), 0o755);
    // The official image's user, made the way its Dockerfile makes it.
    await run("chroot", [rootfs, "groupadd", "--gid", "1000", "node"]);
    await run("chroot", [
      rootfs,
      "useradd",
      "--uid",
      "1000",
      "--gid",
      "node",
      "--shell",
      "/bin/bash",
      "--create-home",
      "node",
    ]);

    log(`base: importing as ${name}`);
    const tarball = join(work, "rootfs.tar");
    await run("tar", ["--numeric-owner", "-C", rootfs, "-cf", tarball, "."], { timeoutMs: 10 * 60_000 });
    await podman(
      e,
      [
        "import",
        "--message",
        `stand-in for node:${spec.nodeVersion}-bookworm-slim (tools/image/base.ts)`,
        "--change",
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "--change",
        `ENV NODE_VERSION=${spec.nodeVersion}`,
        "--change",
        'ENTRYPOINT ["docker-entrypoint.sh"]',
        "--change",
        'CMD ["node"]',
        tarball,
        name,
      ],
      { timeoutMs: 10 * 60_000, logFile },
    );
    await checkBase(e, name, spec);
    await untagOtherBases(e, name);
    return { name, built: true, ms: Date.now() - started };
  } finally {
    await removeScratch(work);
  }
}

/** Older stand-ins (another Node version, an older recipe): untagged, their layers go with the next prune. */
async function untagOtherBases(e: Engine, keep: string): Promise<void> {
  const repository = keep.slice(0, keep.lastIndexOf(":"));
  const listed = await podman(e, ["images", "--format", "{{.Repository}}:{{.Tag}}", repository]);
  for (const tag of listed.stdout.split("\n").map((l) => l.trim())) {
    if (tag.startsWith(`${repository}:`) && tag !== keep) await podman(e, ["untag", tag, tag]);
  }
}

/** Leaves out what debian:bookworm-slim leaves out, and tells dpkg to keep doing so. */
function slim(rootfs: string): void {
  const emptied = [
    ...SLIM_EXCLUDES.map((p) => p.replace(/\/\*$/, "")),
    "/var/lib/apt/lists",
    "/var/cache/apt/archives",
  ];
  for (const dir of emptied) {
    const absolute = join(rootfs, dir);
    if (!existsSync(absolute)) continue;
    for (const entry of readdirSync(absolute)) {
      if (entry === "partial" || entry === "lock") continue;
      rmSync(join(absolute, entry), { recursive: true, force: true });
    }
  }
  for (const cache of readdirSync(join(rootfs, "var/cache/apt")).filter((f) => f.endsWith(".bin"))) {
    rmSync(join(rootfs, "var/cache/apt", cache), { force: true });
  }
  mkdirSync(join(rootfs, "etc/dpkg/dpkg.cfg.d"), { recursive: true });
  writeFileSync(
    join(rootfs, "etc/dpkg/dpkg.cfg.d/docker-slim"),
    SLIM_EXCLUDES.map((p) => `path-exclude ${p}\n`).join(""),
  );
}

/** The stand-in runs as the official image does: node and npm of the spec's versions, `node` is uid 1000. */
async function checkBase(e: Engine, name: string, spec: BaseSpec): Promise<void> {
  const probe = await podman(e, [
    "run",
    "--rm",
    ...runtimeArgs(),
    "--network",
    "none",
    name,
    "sh",
    "-c",
    'echo "$(node --version) $(npm --version) $(id -u node):$(id -g node)"',
  ]);
  const expected = `v${spec.nodeVersion} ${spec.npmVersion} 1000:1000`;
  if (probe.stdout.trim() !== expected) {
    throw new Error(`stand-in base ${name}: expected "${expected}", got "${probe.stdout.trim()}" ${probe.stderr}`);
  }
}

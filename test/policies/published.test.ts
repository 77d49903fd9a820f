/**
 * `pulumi policy publish` starts the pack in its folder (GetAnalyzerInfo), then runs `npm pack` there and uploads
 * the tarball (pkg/backend/httpstate/policypack.go); a stack that requires the pack gets it extracted, runs
 * `npm install` in it and starts it like a local pack. So: the same two steps, with npm's scripts ignored (as many
 * machines configure npm, and prepack then never runs), then the tarball unpacked outside the repository (no
 * ../infra, no repository node_modules within reach), its dependencies installed from the registry, and started
 * the CLI's way.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { urnOf } from "../../policies/evaluate";
import { ALL_RULES } from "../../policies/rules";
import {
  analyzeRequest,
  ask,
  diagnosticsOf,
  type StartedPack,
  startPolicyPack,
} from "../../tools/plan/engine/policy-host";
import { loadProtos } from "../../tools/plan/engine/protos";
import { REPO_ROOT } from "../../tools/plan/harness";

const POLICIES = join(REPO_ROOT, "policies");
const TIMEOUT_MS = 600_000;
let dir: string;
let pack: StartedPack | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "storyforge-pack-"));
});
afterAll(async () => {
  await pack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test(
  "publish's steps (start in place, then npm pack, scripts ignored) give a pack that installs and serves on its own",
  async () => {
    const started = Date.now();
    const inPlace = await startPolicyPack(loadProtos(POLICIES), POLICIES, {
      stack: "v1",
      project: "storyforge",
      organization: "organization",
      dryRun: true,
      config: { "storyforge:tier": "v1" },
    });
    await inPlace.stop();
    // Starting in place bundled the sources as they are now.
    expect(statSync(join(POLICIES, "dist", "index.js")).mtimeMs).toBeGreaterThanOrEqual(started - 1000);

    // --json: npm's own account of the tarball.
    const [packed] = JSON.parse(
      execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--loglevel=error", "--pack-destination", dir], {
        cwd: POLICIES,
        encoding: "utf8",
      }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    expect(packed.files.map((f) => f.path).sort()).toEqual([
      "PulumiPolicy.yaml",
      "dist/index.js",
      "dist/index.js.map",
      "main.js",
      "package.json",
    ]);

    execFileSync("tar", ["xzf", join(dir, packed.filename), "-C", dir]);
    const extracted = join(dir, "package");
    // The registry install Pulumi Cloud runs for a required pack; the npm cache serves what it already holds.
    execFileSync("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
      cwd: extracted,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    // @pulumi/policy's own package.json writes its version with a leading "v".
    const installed = (name: string) =>
      (
        JSON.parse(readFileSync(join(extracted, "node_modules", name, "package.json"), "utf8")) as { version: string }
      ).version.replace(/^v/, "");
    const wanted = (
      JSON.parse(readFileSync(join(POLICIES, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
      }
    ).dependencies;
    expect({ "@pulumi/policy": installed("@pulumi/policy"), "@pulumi/pulumi": installed("@pulumi/pulumi") }).toEqual(
      wanted,
    );
    expect(existsSync(join(extracted, "index.ts"))).toBe(false);

    const protos = loadProtos(extracted);
    expect(protos.sdkDir.startsWith(extracted)).toBe(true);
    pack = await startPolicyPack(protos, extracted, {
      stack: "v1",
      project: "storyforge",
      organization: "organization",
      dryRun: true,
      config: { "storyforge:tier": "v1" },
    });
    const info = await ask.info(pack.client, protos.empty);
    expect(info.getName()).toBe("storyforge");
    expect(info.getVersion()).toBe(installedVersion(extracted));
    expect(info.getPoliciesList()).toHaveLength(ALL_RULES.length);
    const res = await ask.analyze(
      pack.client,
      analyzeRequest(protos, {
        type: "aws:s3/bucket:Bucket",
        name: "untagged",
        urn: urnOf("v1", "aws:s3/bucket:Bucket", "untagged"),
        properties: { bucket: "untagged", tags: {} },
      }),
    );
    expect(diagnosticsOf(res).map((d) => `${d.enforcement} ${d.policy}`)).toContain("mandatory aws-required-tags");
  },
  TIMEOUT_MS,
);

function installedVersion(extracted: string): string {
  return (JSON.parse(readFileSync(join(extracted, "package.json"), "utf8")) as { version: string }).version;
}

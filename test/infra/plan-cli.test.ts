import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PLAN_TIMEOUT_MS } from "../support/plan";

const ROOT = join(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

function plan(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(TSX, ["tools/plan/cli.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: PLAN_TIMEOUT_MS,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run plan", () => {
  it(
    "--json prints exactly {stack, resources[{type,name,parent,inputs,options,dependencies}], outputs}",
    () => {
      const { code, stdout } = plan(["--stack", "mvp", "--json"]);
      expect(code).toBe(0);
      const parsed = JSON.parse(stdout);
      expect(Object.keys(parsed).sort()).toEqual(["outputs", "resources", "stack"]);
      expect(parsed.stack).toBe("mvp");
      for (const r of parsed.resources) {
        expect(Object.keys(r).sort()).toEqual(["dependencies", "inputs", "name", "options", "parent", "type"]);
        expect(Object.keys(r.options).sort()).toEqual([
          "deleteBeforeReplace",
          "dependsOn",
          "ignoreChanges",
          "protect",
          "provider",
          "replaceOnChanges",
          "retainOnDelete",
        ]);
        expect(typeof r.type).toBe("string");
        expect(r.parent === null || typeof r.parent === "string").toBe(true);
      }
      expect(stdout).not.toMatch(/mock-[0-9a-f]{16}/);
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    "an unknown stack exits non-zero and lists the valid stacks",
    () => {
      const { code, stderr } = plan(["--stack", "v9"]);
      expect(code).not.toBe(0);
      expect(stderr).toMatch(/unknown stack "v9": valid stacks are .*mvp, .*v1, v2/);
    },
    PLAN_TIMEOUT_MS,
  );

  describe("with a stack file holding a mistake", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "storyforge-stacks-"));
      writeFileSync(
        join(dir, "Pulumi.typo.yaml"),
        "config:\n  aws:region: us-east-1\n  storyforge:tier: v1\n  storyforge:dbReplicaCont: 2\n",
      );
      writeFileSync(
        join(dir, "Pulumi.wrongtype.yaml"),
        "config:\n  aws:region: us-east-1\n  storyforge:tier: v1\n  storyforge:redisShards: three\n",
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it(
      "a mistyped key fails the plan with a message naming the key and the file",
      () => {
        const { code, stderr } = plan(["--stack", "typo"], { STORYFORGE_STACK_DIR: dir });
        expect(code).toBe(1);
        expect(stderr).toContain(
          "Pulumi.typo.yaml: unknown config key storyforge:dbReplicaCont (did you mean storyforge:dbReplicaCount?)",
        );
      },
      PLAN_TIMEOUT_MS,
    );

    it(
      "a value of the wrong type fails the plan naming the key",
      () => {
        const { code, stderr } = plan(["--stack", "wrongtype"], { STORYFORGE_STACK_DIR: dir });
        expect(code).toBe(1);
        expect(stderr).toContain('Pulumi.wrongtype.yaml: storyforge:redisShards must be an integer, got "three"');
      },
      PLAN_TIMEOUT_MS,
    );
  });

  describe("with two projects: tier stacks at the top of the stack directory, preview stacks in previews/", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "storyforge-projects-"));
      mkdirSync(join(dir, "previews"));
      copyFileSync(join(ROOT, "Pulumi.v1.yaml"), join(dir, "Pulumi.v1.yaml"));
      const preview =
        "config:\n  aws:region: us-east-1\n  storyforge-preview:baseStack: organization/storyforge/v1\n  storyforge-preview:domain: preview.example.com\n";
      writeFileSync(join(dir, "previews", "Pulumi.preview-x.yaml"), preview);
      writeFileSync(join(dir, "previews", "Pulumi.v1.yaml"), preview);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("a stack whose file is in previews/ is planned by the previews program", () => {
      const { code, stdout } = plan(["--stack", "preview-x", "--json"], { STORYFORGE_STACK_DIR: dir });
      expect(code).toBe(0);
      const parsed = JSON.parse(stdout);
      expect(parsed.resources.map((r: { type: string }) => r.type)).toContain("storyforge:preview:Preview");
      expect(parsed.outputs.url).toBe("https://preview-x.preview.example.com");
    }, 120_000);

    it("a stack name both projects have a file for is refused, naming --project", () => {
      const { code, stderr } = plan(["--stack", "v1"], { STORYFORGE_STACK_DIR: dir });
      expect(code).toBe(1);
      expect(stderr).toContain('stack "v1" has a file in both projects');
      expect(stderr).toContain("--project tier or --project previews");
    }, 60_000);

    it("--project picks one, and names only tier or previews", () => {
      const { code, stdout } = plan(["--stack", "v1", "--project", "previews", "--json"], {
        STORYFORGE_STACK_DIR: dir,
      });
      expect(code).toBe(0);
      expect(JSON.parse(stdout).outputs.namespace).toBe("v1");
      const bad = plan(["--stack", "v1", "--project", "infra"], { STORYFORGE_STACK_DIR: dir });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--project must be one of tier, previews, got "infra"');
    }, 120_000);
  });
});

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
});

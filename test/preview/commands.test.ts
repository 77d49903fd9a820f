import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import {
  destroy,
  gc,
  type GitInfo,
  list,
  PREVIEW_TAGS,
  type PreviewDeps,
  readTemplate,
  up,
} from "../../tools/preview/commands";
import { PREVIEWS_WORK_DIR } from "../../tools/preview/cli";
import { PREVIEW_PROJECT } from "../../stacks/preview/config";
import { previewStackName } from "../../stacks/preview/naming";
import { FakePulumi } from "./fake-pulumi";

const NOW = new Date("2026-11-23T12:00:00.000Z");
const HOUR = 3_600_000;
const ago = (hours: number) => new Date(NOW.getTime() - hours * HOUR).toISOString();

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "preview-commands-"));
  writeFileSync(join(workDir, "Pulumi.yaml"), "name: storyforge-preview\nruntime: nodejs\nmain: index.ts\n");
  writeFileSync(
    join(workDir, "Pulumi.preview.yaml"),
    "config:\n  aws:region: us-east-1\n  storyforge-preview:baseStack: organization/storyforge/v1\n  storyforge-preview:domain: preview.example.com\n",
  );
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

// The repository's own pack: up checks that both exist before it deploys.
const PACK = {
  dir: join(__dirname, "..", "..", "policies"),
  config: join(__dirname, "..", "..", "policies", "config.preview.json"),
};

function setup(
  git: GitInfo = {
    branch: "feature/Login",
    commit: "0123456789abcdef0123456789abcdef01234567",
    email: "jane@example.com",
  },
) {
  const pulumi = new FakePulumi();
  const output: string[] = [];
  const deps: PreviewDeps = {
    workDir,
    policyPack: PACK,
    pulumiCommand: pulumi.command,
    env: { USER: "jane" },
    now: () => NOW,
    git: () => git,
    write: (text) => output.push(text),
  };
  return { pulumi, deps, output: () => output.join("") };
}

const STACK = previewStackName("feature/Login");

describe("up", () => {
  test("creates the stack, sets config and tags, then deploys and records the url, in that order", async () => {
    const { pulumi, deps } = setup();
    const outcome = await up({}, deps);

    expect(outcome.stackName).toBe(STACK);
    const argv = pulumi.argv;
    const configCall = argv.find((a) => a[0] === "config")!;
    expect(argv).toEqual([
      ["whoami", "--json"],
      ["stack", "--stack", STACK],
      ["stack", "init", STACK, "--no-select"],
      configCall,
      ["stack", "tag", "set", PREVIEW_TAGS.preview, "true", "--stack", STACK],
      ["stack", "tag", "set", PREVIEW_TAGS.owner, "jane@example.com", "--stack", STACK],
      ["stack", "tag", "set", PREVIEW_TAGS.branch, "feature/Login", "--stack", STACK],
      ["stack", "tag", "set", PREVIEW_TAGS.commit, "0123456789abcdef0123456789abcdef01234567", "--stack", STACK],
      ["stack", "tag", "set", PREVIEW_TAGS.lastDeploy, NOW.toISOString(), "--stack", STACK],
      [
        "up",
        "--yes",
        "--skip-preview",
        "--policy-pack",
        PACK.dir,
        "--policy-pack-config",
        PACK.config,
        "--exec-kind",
        "auto.local",
        "--stack",
        STACK,
      ],
      ["stack", "output", "--json", "--stack", STACK],
      ["stack", "output", "--json", "--show-secrets", "--stack", STACK],
      ["stack", "history", "--json", "--show-secrets", "--page-size", "1", "--page", "1", "--stack", STACK],
      ["stack", "tag", "set", PREVIEW_TAGS.url, `https://${STACK}.preview.example.com`, "--stack", STACK],
    ]);
    expect(configCall.slice(0, 4)).toEqual(["config", "set-all", "--stack", STACK]);
    expect(pulumi.calls.every((c) => c.cwd === workDir)).toBe(true);
  });

  test("config is the template plus base stack, branch, commit, owner and deploy time, in the previews project's keys", async () => {
    const { pulumi, deps } = setup();
    await up({}, deps);
    expect(pulumi.stacks.get(STACK)!.config).toEqual({
      "aws:region": "us-east-1",
      "storyforge-preview:baseStack": "organization/storyforge/v1",
      "storyforge-preview:domain": "preview.example.com",
      "storyforge-preview:branch": "feature/Login",
      "storyforge-preview:commit": "0123456789abcdef0123456789abcdef01234567",
      "storyforge-preview:owner": "jane@example.com",
      "storyforge-preview:deployedAt": NOW.toISOString(),
    });
  });

  test("up, destroy, list and gc never change the stack the developer has selected", async () => {
    const { pulumi, deps } = setup();
    pulumi.stacks.set("preview-old", { tags: { [PREVIEW_TAGS.lastDeploy]: ago(100) }, config: {}, outputs: {} });
    pulumi.selected = "preview-mine";
    pulumi.stacks.set("preview-mine", { tags: {}, config: {}, outputs: {} });
    await up({}, deps);
    await up({ name: "second" }, deps);
    await list(deps);
    await destroy({ name: "second" }, deps);
    await gc({ idleMs: 72 * HOUR, dryRun: false }, deps);
    expect(pulumi.selected).toBe("preview-mine");
    expect(pulumi.argv.filter((a) => a[1] === "select")).toEqual([]);
  });

  test("progress is streamed and the url printed", async () => {
    const { deps, output } = setup();
    await up({}, deps);
    expect(output()).toContain("Updating (preview):");
    expect(output()).toContain(`${STACK} is up: https://${STACK}.preview.example.com`);
  });

  test("an existing preview is opened, not created again", async () => {
    const { pulumi, deps } = setup();
    pulumi.stacks.set(STACK, { tags: {}, config: {}, outputs: {} });
    await up({}, deps);
    expect(pulumi.argv.some((a) => a[1] === "init")).toBe(false);
    expect(pulumi.argv[1]).toEqual(["stack", "--stack", STACK]);
  });

  test("--name and --base replace the branch name and the template's base stack", async () => {
    const { pulumi, deps } = setup();
    await up({ name: "demo", baseStack: "mvp" }, deps);
    expect(pulumi.stacks.get("preview-demo")!.config["storyforge-preview:baseStack"]).toBe(
      "organization/storyforge/mvp",
    );
  });

  test("the preview deploys under the policy pack and its preview configuration, and stops when either is missing", async () => {
    const { pulumi, deps } = setup();
    await up({}, deps);
    const upCall = pulumi.argv.find((a) => a[0] === "up")!;
    expect(upCall[upCall.indexOf("--policy-pack") + 1]).toBe(PACK.dir);
    expect(upCall[upCall.indexOf("--policy-pack-config") + 1]).toBe(PACK.config);

    const missing = setup();
    missing.deps.policyPack = { ...PACK, config: join(workDir, "config.nowhere.json") };
    await expect(up({}, missing.deps)).rejects.toThrow(
      `the policy pack a preview deploys under is missing: ${join(workDir, "config.nowhere.json")}`,
    );
    expect(missing.pulumi.argv.some((a) => a[0] === "up" || a[0] === "config")).toBe(false);
  });
});

describe("the base stack's name, built for the backend", () => {
  const baseOf = (pulumi: FakePulumi, name = STACK) => pulumi.stacks.get(name)!.config["storyforge-preview:baseStack"];

  test("a self-managed backend (file, s3): organization/storyforge/<stack>, the only org it has", async () => {
    const { pulumi, deps } = setup();
    pulumi.backendUrl = "s3://storyforge-pulumi-state";
    await up({}, deps);
    expect(baseOf(pulumi)).toBe("organization/storyforge/v1");
    expect(pulumi.argv.some((a) => a[0] === "org")).toBe(false);
  });

  test("Pulumi Cloud: the template's stack in the default org", async () => {
    const { pulumi, deps } = setup();
    pulumi.backendUrl = "https://api.pulumi.com";
    pulumi.defaultOrg = "acme";
    await up({}, deps);
    expect(baseOf(pulumi)).toBe("acme/storyforge/v1");
    expect(pulumi.argv).toContainEqual(["org", "get-default"]);
  });

  test("Pulumi Cloud without a default org: the user's own org, as the Cloud backend qualifies a stack name", async () => {
    const { pulumi, deps } = setup();
    pulumi.backendUrl = "https://api.pulumi.com";
    await up({ baseStack: "mvp" }, deps);
    expect(baseOf(pulumi)).toBe("jane/storyforge/mvp");
  });

  test("Pulumi Cloud: an explicit org/storyforge/<stack> is kept", async () => {
    const { pulumi, deps } = setup();
    pulumi.backendUrl = "https://api.pulumi.com";
    pulumi.defaultOrg = "acme";
    await up({ baseStack: "platform-team/storyforge/v2" }, deps);
    expect(baseOf(pulumi)).toBe("platform-team/storyforge/v2");
  });

  test("another org on a self-managed backend, another project or another shape is refused before anything changes", async () => {
    for (const [given, message] of [
      ["acme/storyforge/v1", /self-managed backend file:\/\/\S+ has no organization acme/],
      [
        "organization/storyforge-preview/v1",
        /a preview runs in a stack of the tier project storyforge, not storyforge-preview/,
      ],
      ["storyforge/v1", /expected a tier stack name \(v1\) or organization\/storyforge\/<stack>/],
    ] as const) {
      const { pulumi, deps } = setup();
      await expect(up({ baseStack: given }, deps)).rejects.toThrow(message);
      expect(pulumi.argv.some((a) => a[0] === "up" || a[0] === "config" || a[1] === "init")).toBe(false);
    }
  });

  test("the owner falls back to $USER without a git e-mail", async () => {
    const { pulumi, deps } = setup({ branch: "main", commit: "abc" });
    await up({}, deps);
    expect(pulumi.stacks.get("preview-main")!.tags[PREVIEW_TAGS.owner]).toBe("jane");
  });

  test("secret outputs are not printed", async () => {
    const { pulumi, deps, output } = setup();
    pulumi.upOutputs = () => ({ url: "https://x", incrementalCost: { monthlyUsd: 12 }, kubeconfig: "top-secret" });
    pulumi.stacks.set(STACK, { tags: {}, config: {}, outputs: {}, secretOutputs: ["kubeconfig"] });
    const outcome = await up({}, deps);
    expect(outcome.outputs.kubeconfig).toBe("[secret]");
    expect(output()).not.toContain("top-secret");
  });

  test("a detached HEAD without --name fails before any Pulumi call", async () => {
    const { pulumi, deps } = setup({ branch: "HEAD", commit: "abc" });
    await expect(up({}, deps)).rejects.toThrow("pass --name NAME");
    expect(pulumi.calls).toHaveLength(0);
  });

  test("a file backend without a passphrase is named before any Pulumi call", async () => {
    const { pulumi, deps } = setup();
    deps.env = { PULUMI_BACKEND_URL: "file:///tmp/state" };
    await expect(up({}, deps)).rejects.toThrow("PULUMI_CONFIG_PASSPHRASE");
    expect(pulumi.calls).toHaveLength(0);
  });

  test("missing credentials say how to log in or use a file backend", async () => {
    const { pulumi, deps } = setup();
    pulumi.loggedIn = false;
    const error = await up({}, deps).catch((e: Error) => e);
    expect(String(error)).toContain("PULUMI_ACCESS_TOKEN must be set");
    expect(String(error)).toContain("pulumi login");
    expect(String(error)).toContain("PULUMI_BACKEND_URL=file://");
    expect(pulumi.argv).toEqual([["whoami", "--json"]]);
  });
});

describe("destroy", () => {
  test("destroys the resources, then removes the stack", async () => {
    const { pulumi, deps } = setup();
    pulumi.stacks.set(STACK, { tags: {}, config: {}, outputs: {} });
    await destroy({}, deps);
    expect(pulumi.argv).toEqual([
      ["whoami", "--json"],
      ["stack", "--stack", STACK],
      ["destroy", "--yes", "--skip-preview", "--exec-kind", "auto.local", "--stack", STACK],
      ["stack", "history", "--json", "--show-secrets", "--page-size", "1", "--page", "1", "--stack", STACK],
      ["stack", "rm", "--yes", STACK],
    ]);
    expect(pulumi.stacks.has(STACK)).toBe(false);
  });

  test("a preview that does not exist is named and nothing is destroyed", async () => {
    const { pulumi, deps } = setup();
    await expect(destroy({ name: "nope" }, deps)).rejects.toThrow("no preview stack named preview-nope");
    expect(pulumi.argv.some((a) => a[0] === "destroy" || a[1] === "rm")).toBe(false);
  });

  test("a failed destroy keeps the stack (its state still lists what to delete)", async () => {
    const { pulumi, deps } = setup();
    pulumi.stacks.set(STACK, { tags: {}, config: {}, outputs: {} });
    pulumi.failures.set(`destroy ${STACK}`, "error: resource deletion failed");
    await expect(destroy({}, deps)).rejects.toThrow("resource deletion failed");
    expect(pulumi.argv.some((a) => a[1] === "rm")).toBe(false);
  });
});

describe("gc", () => {
  function population(pulumi: FakePulumi) {
    const tagged = (hoursAgo: number) => ({
      [PREVIEW_TAGS.lastDeploy]: ago(hoursAgo),
      [PREVIEW_TAGS.owner]: "jane@example.com",
    });
    // Idle: deployed 80 h ago.
    pulumi.stacks.set("preview-old", { tags: tagged(80), config: {}, outputs: {}, lastUpdate: ago(80) });
    // Old but in use: the backend saw it long ago, its last deploy was an hour ago.
    pulumi.stacks.set("preview-busy", { tags: tagged(1), config: {}, outputs: {}, lastUpdate: ago(500) });
    // No tag (older CLI): the backend's last update decides.
    pulumi.stacks.set("preview-untagged", { tags: {}, config: {}, outputs: {}, lastUpdate: ago(100) });
    // Nothing known: kept.
    pulumi.stacks.set("preview-unknown", { tags: {}, config: {}, outputs: {} });
    // Not a preview, however idle.
    pulumi.stacks.set("v1", { tags: {}, config: {}, outputs: {}, lastUpdate: ago(1000) });
  }

  test("destroys then removes only previews idle longer than the limit, never other stacks", async () => {
    const { pulumi, deps } = setup();
    population(pulumi);
    const outcome = await gc({ idleMs: 72 * HOUR, dryRun: false }, deps);

    expect(outcome.destroyed).toEqual(["preview-old", "preview-untagged"]);
    expect(outcome.unknown).toEqual(["preview-unknown"]);
    const mutating = pulumi.argv.filter((a) => a[0] === "destroy" || (a[0] === "stack" && a[1] === "rm"));
    expect(mutating).toEqual([
      ["destroy", "--yes", "--skip-preview", "--exec-kind", "auto.local", "--stack", "preview-old"],
      ["stack", "rm", "--yes", "preview-old"],
      ["destroy", "--yes", "--skip-preview", "--exec-kind", "auto.local", "--stack", "preview-untagged"],
      ["stack", "rm", "--yes", "preview-untagged"],
    ]);
    expect([...pulumi.stacks.keys()].sort()).toEqual(["preview-busy", "preview-unknown", "v1"]);
    expect(pulumi.argv.some((a) => a.join(" ") === "stack tag ls --json --stack v1")).toBe(false);
  });

  test("reads the stack list and each preview's tags before touching anything", async () => {
    const { pulumi, deps } = setup();
    population(pulumi);
    await gc({ idleMs: 72 * HOUR, dryRun: false }, deps);
    expect(pulumi.argv.slice(0, 6)).toEqual([
      ["whoami", "--json"],
      ["stack", "ls", "--json"],
      ["stack", "tag", "ls", "--json", "--stack", "preview-old"],
      ["stack", "tag", "ls", "--json", "--stack", "preview-busy"],
      ["stack", "tag", "ls", "--json", "--stack", "preview-untagged"],
      ["stack", "tag", "ls", "--json", "--stack", "preview-unknown"],
    ]);
  });

  test("--dry-run lists what it would remove and destroys nothing", async () => {
    const { pulumi, deps, output } = setup();
    population(pulumi);
    const outcome = await gc({ idleMs: 72 * HOUR, dryRun: true }, deps);
    expect(outcome.idle).toEqual(["preview-old", "preview-untagged"]);
    expect(outcome.destroyed).toEqual([]);
    expect(pulumi.argv.every((a) => ["whoami", "stack ls", "stack tag"].some((p) => a.join(" ").startsWith(p)))).toBe(
      true,
    );
    expect(output()).toContain("would destroy preview-old: idle 3d 8h");
    expect(output()).toContain("would destroy preview-untagged: idle 4d 4h");
    expect(pulumi.stacks.size).toBe(5);
  });

  test("a longer limit spares a preview a shorter one collects", async () => {
    const { pulumi, deps } = setup();
    population(pulumi);
    const outcome = await gc({ idleMs: 90 * HOUR, dryRun: false }, deps);
    expect(outcome.destroyed).toEqual(["preview-untagged"]);
  });

  test("one failed destroy is reported and the others still go", async () => {
    const { pulumi, deps } = setup();
    population(pulumi);
    pulumi.failures.set("destroy preview-old", "error: the stack is currently locked by 1 lock(s)");
    const outcome = await gc({ idleMs: 72 * HOUR, dryRun: false }, deps);
    expect(outcome.failed.map((f) => f.stackName)).toEqual(["preview-old"]);
    expect(outcome.destroyed).toEqual(["preview-untagged"]);
    expect(pulumi.stacks.has("preview-old")).toBe(true);
  });
});

describe("list", () => {
  test("shows each preview's owner, branch, last deploy and idle time", async () => {
    const { pulumi, deps, output } = setup();
    pulumi.stacks.set("preview-a", {
      tags: {
        [PREVIEW_TAGS.owner]: "jane@example.com",
        [PREVIEW_TAGS.branch]: "feature/a",
        [PREVIEW_TAGS.lastDeploy]: ago(5),
      },
      config: {},
      outputs: {},
    });
    pulumi.stacks.set("mvp", { tags: {}, config: {}, outputs: {} });
    const previews = await list(deps);
    expect(previews.map((p) => p.stackName)).toEqual(["preview-a"]);
    expect(output()).toMatch(/preview-a\s+jane@example.com\s+feature\/a\s+-\s+2026-11-23T07:00:00.000Z\s+5h 0m/);
  });
});

describe("the command line", () => {
  test("drives the previews project: previews/Pulumi.yaml (storyforge-preview) and its template", () => {
    const project = parse(readFileSync(join(PREVIEWS_WORK_DIR, "Pulumi.yaml"), "utf8")) as {
      name: string;
      main: string;
    };
    expect(project).toMatchObject({ name: PREVIEW_PROJECT, main: "index.ts" });
    expect(readTemplate(PREVIEWS_WORK_DIR)).toMatchObject({
      "storyforge-preview:baseStack": "organization/storyforge/v1",
    });
  });

  test("without the Pulumi CLI, up exits non-zero and says how to install it", () => {
    const repo = join(__dirname, "..", "..");
    const result = spawnSync(
      process.execPath,
      [
        join(repo, "node_modules", "tsx", "dist", "cli.mjs"),
        join(repo, "tools", "preview", "cli.ts"),
        "up",
        "--name",
        "x",
      ],
      {
        cwd: repo,
        // Only node's own directory: no pulumi (nor git) on PATH.
        env: { PATH: dirname(process.execPath), HOME: process.env.HOME ?? "/tmp" },
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("The Pulumi CLI is not installed");
    expect(result.stderr).toContain("curl -fsSL https://get.pulumi.com | sh");
  }, 60_000);

  test("a Pulumi CLI older than 3.211 (no stack tags on self-managed backends) is named with the version needed", () => {
    const repo = join(__dirname, "..", "..");
    const bin = mkdtempSync(join(tmpdir(), "old-pulumi-"));
    try {
      writeFileSync(join(bin, "pulumi"), "#!/bin/sh\necho v3.210.0\n", { mode: 0o755 });
      const result = spawnSync(
        process.execPath,
        [join(repo, "node_modules", "tsx", "dist", "cli.mjs"), join(repo, "tools", "preview", "cli.ts"), "list"],
        {
          cwd: repo,
          env: { PATH: `${bin}:${dirname(process.execPath)}`, HOME: process.env.HOME ?? "/tmp" },
          encoding: "utf8",
          timeout: 60_000,
        },
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("The Pulumi CLI is v3.210.0; previews need 3.211.0 or later");
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  }, 60_000);

  test("bad usage exits 2 with the usage text", () => {
    const repo = join(__dirname, "..", "..");
    const result = spawnSync(
      process.execPath,
      [
        join(repo, "node_modules", "tsx", "dist", "cli.mjs"),
        join(repo, "tools", "preview", "cli.ts"),
        "gc",
        "--idle",
        "3 days",
      ],
      {
        cwd: repo,
        env: { PATH: dirname(process.execPath), HOME: process.env.HOME ?? "/tmp" },
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--idle must be a duration such as 90m, 72h, 3d or 1d12h, got "3 days"');
    expect(result.stderr).toContain("usage: npm run preview");
  }, 60_000);
});

// The ECR tag follows the build context after .dockerignore (infra/lib/build-context.ts), and the context is named
// relative to the program: ECR tags are immutable, so a tag that changed without the context (another checkout
// folder, a README edit) would rebuild into a new tag for nothing, and one that stayed while the context changed
// would push different bytes under an old name (refused by ECR: the deploy fails).
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { contextFiles, contextHash, parseDockerignore, relativeContext } from "../../infra/lib/build-context";
import { SOURCE_TAG_PREFIX } from "../../infra/components/image";
import { planStack } from "../../tools/plan/harness";
import { PLAN_TIMEOUT_MS } from "../support/plan";

const ROOT = join(__dirname, "..", "..");

/** A copy of this checkout's files (tracked and not ignored, as a clone with local edits) at `dir`. */
function checkout(dir: string): string {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\0")
    .filter((f) => f !== "");
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      cpSync(join(ROOT, file), join(dir, file), { verbatimSymlinks: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error; // deleted, not yet committed
    }
  }
  return dir;
}

describe("the image tag follows the build context after .dockerignore", () => {
  let scratch: string;
  let repo: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "build-context-"));
    repo = checkout(join(scratch, "one", "storyforge"));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test("two checkouts of the same files in different folders get the same tag, the one this checkout gets", () => {
    const other = checkout(join(scratch, "somewhere", "else", "entirely", "platform"));
    expect(contextHash(other)).toBe(contextHash(repo));
    expect(contextHash(repo)).toBe(contextHash(ROOT));
    expect(contextHash(repo)).toMatch(/^[0-9a-f]{16}$/);
  });

  test("a README edit, and files .dockerignore leaves out (docs, tests, tools, infra, logs, node_modules), keep the tag", () => {
    const before = contextHash(repo);
    writeFileSync(join(repo, "README.md"), "# rewritten\n");
    writeFileSync(join(repo, "docs", "new-page.md"), "words\n");
    writeFileSync(join(repo, "test", "extra.test.ts"), "test('x', () => {});\n");
    writeFileSync(join(repo, "tools", "another.ts"), "export {};\n");
    writeFileSync(join(repo, "infra", "index.ts"), "// a change of the program, not of the image\n");
    mkdirSync(join(repo, "previews"), { recursive: true });
    writeFileSync(join(repo, "previews", "index.ts"), "export {};\n");
    writeFileSync(join(repo, "npm-debug.log"), "noise\n");
    writeFileSync(join(repo, "app", "debug.log"), "noise\n");
    mkdirSync(join(repo, "core", "node_modules", "x"), { recursive: true });
    writeFileSync(join(repo, "core", "node_modules", "x", "index.js"), "module.exports = 1;\n");
    mkdirSync(join(repo, ".tmp", "image"), { recursive: true });
    writeFileSync(join(repo, ".tmp", "image", "report.json"), "{}\n");
    // a timestamp is not content
    utimesSync(join(repo, "app", "main.ts"), new Date(0), new Date(0));
    expect(contextHash(repo)).toBe(before);
  });

  test("an edit of the app's, the worker's or the shared core's sources, the lockfile or the Dockerfile is a new tag", () => {
    const edits = [
      "app/main.ts",
      "worker/main.ts",
      "core/config.ts",
      "package-lock.json",
      "Dockerfile",
      ".dockerignore",
    ];
    const seen = new Set([contextHash(repo)]);
    for (const file of edits) {
      writeFileSync(join(repo, file), `// edited\n`, { flag: "a" });
      const hash = contextHash(repo);
      expect({ file, changed: !seen.has(hash) }).toEqual({ file, changed: true });
      seen.add(hash);
    }
    writeFileSync(join(repo, "core", "migrations", "9999999999999_next.sql"), "SELECT 1;\n");
    expect(seen.has(contextHash(repo))).toBe(false);
  });

  test("the executable bit and a symlink's target count, as COPY keeps them", () => {
    const before = contextHash(repo);
    chmodSync(join(repo, "app", "main.ts"), 0o755);
    const executable = contextHash(repo);
    expect(executable).not.toBe(before);
    symlinkSync("main.ts", join(repo, "app", "alias.ts"));
    const linked = contextHash(repo);
    expect(linked).not.toBe(executable);
    rmSync(join(repo, "app", "alias.ts"));
    symlinkSync("server.ts", join(repo, "app", "alias.ts"));
    expect(contextHash(repo)).not.toBe(linked);
  });
});

describe(".dockerignore is read with Docker's rules, not gitignore's", () => {
  test("`*` and `*.md` are the root's entries only; `**` crosses folders; a folder's rule covers its contents", () => {
    const rules = parseDockerignore("*.md\nspec\nassets/**/*.png\n");
    expect(rules.ignores("README.md")).toBe(true);
    expect(rules.ignores("src/NOTES.md")).toBe(false); // gitignore would leave this out
    expect(rules.ignores("spec/a.test.ts")).toBe(true);
    expect(rules.ignores("src/spec/a.ts")).toBe(false); // gitignore would leave this out
    expect(rules.ignores("assets/a/b/c.png")).toBe(true);
    expect(rules.ignores("assets/c.png")).toBe(true);
  });

  test("the last matching rule wins and `!` re-includes, even inside an excluded folder; matching is case-sensitive", () => {
    const rules = parseDockerignore("# comment\n*\n!app\napp/secret.txt\n!Keep.txt\n");
    expect(rules.ignores("infra/index.ts")).toBe(true);
    expect(rules.ignores("app/main.ts")).toBe(false);
    expect(rules.ignores("app/secret.txt")).toBe(true);
    expect(rules.ignores("Keep.txt")).toBe(false);
    expect(rules.ignores("keep.txt")).toBe(true);
    expect(rules.mayReinclude("app")).toBe(true);
    expect(rules.mayReinclude("node_modules")).toBe(false);
    expect(parseDockerignore("node_modules\n!node_modules/**/keep\n").mayReinclude("node_modules")).toBe(true);
  });

  test("the context walk sees what Docker would send: this repository's context is the Dockerfile's inputs only", () => {
    const tops = [...new Set(contextFiles(ROOT).map((f) => f.path.split("/")[0]))].sort();
    expect(tops).toEqual([
      ".dockerignore",
      ".npmrc",
      "Dockerfile",
      "app",
      "core",
      "package-lock.json",
      "package.json",
      "tsconfig.json",
      "worker",
    ]);
  });

  test("Dockerfile and .dockerignore count even when .dockerignore names them (Docker reads them all the same)", () => {
    const dir = mkdtempSync(join(tmpdir(), "build-context-"));
    try {
      writeFileSync(join(dir, ".dockerignore"), "Dockerfile\n.dockerignore\n");
      writeFileSync(join(dir, "Dockerfile"), "FROM scratch\n");
      expect(contextFiles(dir).map((f) => f.path)).toEqual([".dockerignore", "Dockerfile"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the build context is named relative to the program's working directory", () => {
  test("from the repository root (the offline harness) it is `.`, from infra/ (the Pulumi CLI, main: infra/) `..`", () => {
    expect(relativeContext(ROOT, ROOT)).toEqual({ location: ".", dockerfile: "Dockerfile" });
    expect(relativeContext(ROOT, join(ROOT, "infra"))).toEqual({ location: "..", dockerfile: "../Dockerfile" });
    expect(relativeContext("/a/b/repo", "/a/b/repo/previews", "docker/Dockerfile")).toEqual({
      location: "..",
      dockerfile: "../docker/Dockerfile",
    });
  });

  test(
    "the tier's docker-build Image names its context relative and is tagged src-<context hash>",
    async () => {
      const plan = await planStack("mvp");
      const image = plan.resources.find((r) => r.type === "docker-build:index:Image")!;
      const context = image.inputs.context as { location: string };
      const dockerfile = image.inputs.dockerfile as { location: string };
      expect(isAbsolute(context.location)).toBe(false);
      // the program runs in its own directory (Pulumi.yaml `main: infra/`), as under the CLI
      expect(join(ROOT, "infra", context.location)).toBe(ROOT);
      expect(dockerfile.location).toBe(context.location === "." ? "Dockerfile" : `${context.location}/Dockerfile`);
      expect(String((image.inputs.tags as string[])[0])).toMatch(
        new RegExp(`:${SOURCE_TAG_PREFIX}${contextHash(ROOT)}$`),
      );
    },
    PLAN_TIMEOUT_MS,
  );
});

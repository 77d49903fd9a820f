/**
 * The plan harness loads a program as the Pulumi CLI does (cmd/run + ts-node, Node's extension order, the program's
 * folder as working directory, runtime.options.tsconfig), so it sees what tsx and jest cannot: a fixture program
 * imports `./foo` while prog/foo.ts and prog/foo.json sit side by side.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runProgram, type ProgramRun, REPO_ROOT } from "../../tools/plan/harness";

const TSX = join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const TIMEOUT_MS = 120_000;
let fixture: string;

/** Writes the fixture project: Pulumi.yaml `main: prog/`, package.json naming the entry, as the repository does. */
function writeFixture(dir: string, runtimeOptions: string): void {
  mkdirSync(join(dir, "prog"), { recursive: true });
  writeFileSync(
    join(dir, "Pulumi.yaml"),
    `name: loader-clash\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n${runtimeOptions}main: prog/\n`,
  );
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "loader-clash", main: "prog/index.ts" }));
  writeFileSync(join(dir, "prog", "foo.ts"), `export const loadedFrom: string = "foo.ts";\n`);
  writeFileSync(join(dir, "prog", "foo.json"), `{ "loadedFrom": "foo.json" }\n`);
  writeFileSync(
    join(dir, "prog", "index.ts"),
    [
      `import { loadedFrom } from "./foo";`,
      `export const source = loadedFrom;`,
      `export const cwd = process.cwd();`,
      `export const extensionOrder = Object.keys(require.extensions);`,
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "probe.ts"), `import { loadedFrom } from "./prog/foo";\nconsole.log(loadedFrom);\n`);
  // ts-node's own setting that puts .ts first, in a tsconfig the runtime options may name.
  writeFileSync(join(dir, "tsconfig.prefer-ts.json"), JSON.stringify({ "ts-node": { preferTsExts: true } }));
}

function run(dir: string): Promise<ProgramRun> {
  return runProgram({
    projectDir: dir,
    stack: "dev",
    values: {},
    stackFile: "Pulumi.dev.yaml",
    answers: {
      resource: () => {
        throw new Error("the fixture declares no resources");
      },
      invoke: () => {
        throw new Error("the fixture calls no functions");
      },
    },
  });
}

beforeAll(() => {
  // Inside the repository, so Node's upward node_modules walk finds @pulumi/pulumi as it would for infra/.
  mkdirSync(join(REPO_ROOT, ".tmp"), { recursive: true });
  fixture = mkdtempSync(join(REPO_ROOT, ".tmp", "loader-clash-"));
});
afterAll(() => rmSync(fixture, { recursive: true, force: true }));

test(
  "a foo.json beside foo.ts: tsx loads foo.ts, the harness loads foo.json as the CLI's loader does",
  async () => {
    const dir = join(fixture, "default");
    writeFixture(dir, "");
    const tsx = spawnSync(process.execPath, [TSX, "probe.ts"], { cwd: dir, encoding: "utf8" });
    expect(tsx.stdout.trim()).toBe("foo.ts");

    const result = await run(dir);
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({
      source: "foo.json",
      cwd: join(dir, "prog"),
      extensionOrder: [".js", ".json", ".node", ".ts"],
    });
  },
  TIMEOUT_MS,
);

test(
  "the harness hands runtime.options.tsconfig to the program as the CLI does, resolved against the program's folder",
  async () => {
    const dir = join(fixture, "prefer-ts");
    writeFixture(dir, "    tsconfig: ../tsconfig.prefer-ts.json\n");
    const result = await run(dir);
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ source: "foo.ts", extensionOrder: [".ts", ".js", ".json", ".node"] });
  },
  TIMEOUT_MS,
);

test(
  "a runtime.options.tsconfig that names no file fails the program, as under the CLI",
  async () => {
    const dir = join(fixture, "missing");
    writeFixture(dir, "    tsconfig: tsconfig.missing.json\n");
    const result = await run(dir);
    expect(result.exitCode).not.toBe(0);
    expect(result.logs.map((l) => l.message).join("\n")).toContain(
      "tsconfig path was set to tsconfig.missing.json but the file was not found",
    );
  },
  TIMEOUT_MS,
);

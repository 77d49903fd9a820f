import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { getPwdMain, type Project, readProject, stackConfig } from "../../tools/plan/engine/project";
import { REPO_ROOT } from "../../tools/plan/harness";

describe("what the CLI reads before it starts a program", () => {
  test.each([
    ["the tier project", REPO_ROOT, "infra"],
    ["the previews project", join(REPO_ROOT, "previews"), "previews"],
  ])("%s points ts-node at tsconfig.programs.json, resolved against its program folder", (_label, dir, programDir) => {
    const project = readProject(dir);
    const { pwd } = getPwdMain(project.root, project.main);
    expect(pwd).toBe(join(REPO_ROOT, programDir));
    expect(resolve(pwd, project.options.tsconfig!)).toBe(join(REPO_ROOT, "tsconfig.programs.json"));
  });

  test("tsconfig.programs.json states every compiler option itself (Pulumi reads no extends) and loads node's types only", () => {
    const tsconfig = JSON.parse(readFileSync(join(REPO_ROOT, "tsconfig.programs.json"), "utf8")) as Record<string, any>;
    expect(tsconfig.extends).toBeUndefined();
    expect(tsconfig.compilerOptions).toMatchObject({ module: "node16", target: "ES2022", types: ["node"] });
    expect(existsSync(join(REPO_ROOT, "infra", "tsconfig.json"))).toBe(false);
  });

  const project: Project = {
    root: "/p",
    name: "demo",
    runtime: "nodejs",
    options: { typescript: true },
    configDefaults: {
      region: "eu-west-1",
      tier: undefined,
      "demo:zone": undefined,
      "aws:region": undefined,
    },
  };

  test("project defaults fill what the stack leaves out; lists and numbers reach the program as text", () => {
    expect(stackConfig(project, { tier: "v1", zone: 3, "aws:profile": ["a"] }, "Pulumi.x.yaml", "x")).toEqual({
      "demo:tier": "v1",
      "demo:zone": "3",
      "aws:profile": '["a"]',
      "demo:region": "eu-west-1",
    });
  });

  test("a project key without a default that the stack does not set stops it with the CLI's message; other namespaces' keys are not required", () => {
    expect(() => stackConfig(project, { zone: "a" }, "Pulumi.x.yaml", "x")).toThrow(
      "Stack 'x' is missing configuration value 'tier'",
    );
    expect(() => stackConfig(project, {}, "Pulumi.x.yaml", "x")).toThrow(
      "Stack 'x' is missing configuration values 'demo:zone' and 'tier'",
    );
  });

  test("a secure value is refused: the offline plan has no secrets provider", () => {
    expect(() => stackConfig(project, { tier: "v1", zone: { secure: "AAAB" } }, "Pulumi.x.yaml", "x")).toThrow(
      "Pulumi.x.yaml: zone is a secure value",
    );
  });
});

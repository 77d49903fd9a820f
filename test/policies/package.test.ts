import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = join(__dirname, "..", "..");
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), "utf8")) as Record<string, any>;

describe("the policy pack's own package", () => {
  const pack = json("policies/package.json");
  const root = json("package.json");

  test("it depends on exactly the @pulumi/policy and @pulumi/pulumi versions the repository installs", () => {
    const repo = { ...root.devDependencies, ...root.dependencies };
    expect(pack.dependencies).toEqual({
      "@pulumi/policy": repo["@pulumi/policy"],
      "@pulumi/pulumi": repo["@pulumi/pulumi"],
    });
  });

  test("PulumiPolicy.yaml states the version PolicyPack reads from package.json", () => {
    const yaml = parse(readFileSync(join(ROOT, "policies", "PulumiPolicy.yaml"), "utf8")) as { version: string };
    expect(yaml.version).toBe(pack.version);
  });

  test("npm pack ships the entry, the bundle and PulumiPolicy.yaml, which the entry and the CLI need", () => {
    expect(pack.main).toBe("main.js");
    expect(pack.files).toEqual(["main.js", "dist/", "PulumiPolicy.yaml"]);
    expect(pack.scripts.prepack).toBe(pack.scripts.build);
  });
});

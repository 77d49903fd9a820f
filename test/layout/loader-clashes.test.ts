import { join } from "node:path";
import { loaderClashes, repositoryFiles } from "../../tools/check/loader-clashes";

const ROOT = join(__dirname, "..", "..");

describe("modules mean the same file under the Pulumi CLI's loader as under tsx and jest", () => {
  test("no .js, .json or .node file shares a .ts module's name in its folder (Node's require would load it instead)", () => {
    expect(loaderClashes(repositoryFiles(ROOT))).toEqual([]);
  });

  test("a .json, .js or .node beside a .ts of the same name is reported, the one Node loads first named", () => {
    expect(
      loaderClashes(["a/foo.ts", "a/foo.json", "b/bar.ts", "b/bar.node", "c/baz.ts", "c/baz.json", "c/baz.js"]),
    ).toEqual([
      { module: "a/foo.ts", loadedInstead: "a/foo.json" },
      { module: "b/bar.ts", loadedInstead: "b/bar.node" },
      { module: "c/baz.ts", loadedInstead: "c/baz.js" },
    ]);
  });

  test("the same name in another folder, a .d.ts, or a differently named JSON is no clash", () => {
    expect(loaderClashes(["a/foo.ts", "b/foo.json", "a/types.d.ts", "a/types.json", "a/foo-data.json"])).toEqual([]);
  });
});

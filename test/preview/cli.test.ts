import { parseArgs, UsageError } from "../../tools/preview/cli";

describe("preview command line", () => {
  test("each command takes its own flags, with a value after a space or an equals sign", () => {
    expect(parseArgs(["up"])).toEqual({ command: "up", dryRun: false });
    expect(parseArgs(["up", "--name", "demo", "--base=acme/storyforge/mvp"])).toEqual({
      command: "up",
      name: "demo",
      base: "acme/storyforge/mvp",
      dryRun: false,
    });
    expect(parseArgs(["destroy", "--name=demo"])).toEqual({ command: "destroy", name: "demo", dryRun: false });
    expect(parseArgs(["gc", "--idle", "3d", "--dry-run"])).toEqual({
      command: "gc",
      idleMs: 3 * 86_400_000,
      dryRun: true,
    });
  });

  test.each([
    [[], "no command given"],
    [["deploy"], 'unknown command "deploy"'],
    [["list", "--name", "x"], 'list does not take "--name"'],
    [["destroy", "--dry-run"], 'destroy does not take "--dry-run"'],
    [["up", "--name"], "--name needs a value"],
    [["gc"], "gc needs --idle, e.g. --idle 72h"],
    [["gc", "--idle", "soon"], '--idle must be a duration such as 90m, 72h, 3d or 1d12h, got "soon"'],
  ])("%j is a usage error: %s", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

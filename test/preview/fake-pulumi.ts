/**
 * A stand-in for the Pulumi CLI behind the Automation API (`LocalWorkspaceOptions.pulumiCommand`): it records
 * every invocation and answers from an in-memory backend, failing like the real CLI does (the same
 * `CommandResult` and error classification), and failing loudly on any command it does not know.
 */
import type { PulumiCommand } from "@pulumi/pulumi/automation";

// The Automation API's own result type and error factory (internal, not in its .d.ts): the real runner throws
// exactly these, so `createOrSelect` and friends see what they would see from the CLI.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CommandResult } = require("@pulumi/pulumi/automation/cmd") as {
  CommandResult: new (
    stdout: string,
    stderr: string,
    code: number,
    err?: Error,
  ) => { stdout: string; stderr: string; code: number };
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createCommandError } = require("@pulumi/pulumi/automation/errors") as {
  createCommandError(result: unknown): Error;
};

export interface FakeStack {
  tags: Record<string, string>;
  config: Record<string, string>;
  /** The backend's last update time (`pulumi stack ls --json` lastUpdate). */
  lastUpdate?: string;
  outputs: Record<string, unknown>;
  secretOutputs?: string[];
}

export interface Call {
  args: string[];
  cwd: string;
}

export class FakePulumi {
  readonly calls: Call[] = [];
  readonly stacks = new Map<string, FakeStack>();
  /** Commands (by their first words, e.g. "destroy") that fail for a given stack. */
  readonly failures = new Map<string, string>();
  loggedIn = true;
  /** What `pulumi whoami --json` reports as the backend: a self-managed folder unless a test logs in to the Cloud. */
  backendUrl = "file:///home/jane/.pulumi-state";
  /** `pulumi org get-default` on Pulumi Cloud (the CLI prints "No Default Org Specified" without one). */
  defaultOrg: string | undefined;
  /** The stack the CLI has selected (what a developer's own `pulumi up` would act on), as the real CLI keeps it. */
  selected: string | undefined;
  /** What `up` creates: the outputs of the program. */
  upOutputs: (stack: string) => Record<string, unknown> = (stack) => ({
    url: `https://${stack}.preview.example.com`,
    namespace: stack,
  });

  /** The object handed to `LocalWorkspace` as its `pulumiCommand`. */
  get command(): PulumiCommand {
    const fake = {
      command: "pulumi",
      version: null,
      run: (args: string[], cwd: string, _env: Record<string, string>, onOutput?: (data: string) => void) =>
        this.run([...args], cwd, onOutput),
    };
    return fake;
  }

  /** Just the argument lists, in order. */
  get argv(): string[][] {
    return this.calls.map((c) => c.args);
  }

  private ok(stdout = ""): Promise<unknown> {
    return Promise.resolve(new CommandResult(stdout, "", 0));
  }

  private fail(stderr: string): Promise<unknown> {
    return Promise.reject(createCommandError(new CommandResult("", stderr, 255)));
  }

  private stackArg(args: string[]): string {
    const i = args.indexOf("--stack");
    if (i < 0) throw new Error(`fake pulumi: no --stack in ${args.join(" ")}`);
    return args[i + 1];
  }

  private run(args: string[], cwd: string, onOutput?: (data: string) => void): Promise<unknown> {
    this.calls.push({ args, cwd });
    const words = args.slice(0, 2).join(" ");
    const words3 = args.slice(0, 3).join(" ");
    if (!this.loggedIn && args[0] !== "version")
      return this.fail("error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions");
    if (args[0] === "whoami") {
      return this.ok(args.includes("--json") ? JSON.stringify({ user: "jane", url: this.backendUrl }) : "jane\n");
    }
    if (words === "org get-default") {
      // pkg/cmd/pulumi/org/org.go: only the Cloud backend has organizations.
      if (!/^https?:/.test(this.backendUrl))
        return this.fail('error: backends of this type "diy" do not support organizations');
      return this.ok(`${this.defaultOrg ?? "No Default Org Specified"}\n`);
    }
    if (args[0] === "stack" && (args[1] === "select" || args[1] === "--stack")) {
      const name = this.stackArg(args);
      if (!this.stacks.has(name)) return this.fail(`error: no stack named '${name}' found`);
      if (args[1] === "select") this.selected = name;
      return this.ok(args[1] === "select" ? "" : `Current stack is ${name}:\n`);
    }
    if (args[0] === "stack" && args[1] === "init") {
      this.stacks.set(args[2], { tags: {}, config: {}, outputs: {} });
      if (!args.includes("--no-select")) this.selected = args[2];
      return this.ok(`Created stack '${args[2]}'\n`);
    }
    if (args[0] === "stack" && args[1] === "ls") {
      const list = [...this.stacks.entries()].map(([name, s]) => ({ name, current: false, lastUpdate: s.lastUpdate }));
      return this.ok(JSON.stringify(list));
    }
    if (args[0] === "stack" && args[1] === "rm") {
      const name = args[args.length - 1];
      if (this.failures.has(`stack rm ${name}`)) return this.fail(this.failures.get(`stack rm ${name}`)!);
      return this.stacks.delete(name) ? this.ok() : this.fail(`error: no stack named '${name}' found`);
    }
    const stack = this.stacks.get(this.stackArg(args));
    if (!stack) return this.fail(`error: no stack named '${this.stackArg(args)}' found`);
    const failure = this.failures.get(`${args[0]} ${this.stackArg(args)}`);
    if (failure) return this.fail(failure);
    if (words === "config set-all") {
      for (let i = 0; i < args.length; i++) {
        if (args[i] === "--plaintext" || args[i] === "--secret") {
          const [k, v] = args[i + 1].split(/=(.*)/s, 2);
          stack.config[k] = v;
        }
      }
      return this.ok();
    }
    if (words3 === "stack tag set") {
      stack.tags[args[3]] = args[4];
      return this.ok();
    }
    if (words3 === "stack tag ls") return this.ok(JSON.stringify(stack.tags));
    if (args[0] === "up") {
      onOutput?.("Updating (preview):\n");
      onOutput?.(" +  kubernetes:core/v1:Namespace preview created\n");
      stack.outputs = this.upOutputs(this.stackArg(args));
      return this.ok("Update complete\n");
    }
    if (words === "stack output") {
      const masked = !args.includes("--show-secrets");
      const shown = Object.fromEntries(
        Object.entries(stack.outputs).map(([k, v]) => [k, masked && stack.secretOutputs?.includes(k) ? "[secret]" : v]),
      );
      return this.ok(JSON.stringify(shown));
    }
    if (words === "stack history") return this.ok("[]");
    if (args[0] === "destroy") {
      onOutput?.("Destroying (preview):\n");
      stack.outputs = {};
      return this.ok("Destroy complete\n");
    }
    return Promise.reject(new Error(`fake pulumi: unexpected command: pulumi ${args.join(" ")}`));
  }
}

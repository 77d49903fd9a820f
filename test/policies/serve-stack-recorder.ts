/**
 * Starts policies/index.ts the way the policy host does (PULUMI_CONFIG, the stack and the project in its environment),
 * with the gRPC server replaced by a recorder that runs every stack policy over an empty stack and prints what each
 * reports as `{ policy: [messages] }`: what the pack itself finds in the stack's config (the budget), with no plan.
 * Run by test/policies/plan-budget.test.ts in a child process (a PolicyPack is never constructed in the test process).
 */
import { join } from "node:path";

type Policy = { name: string; validateStack?: (args: unknown, report: (m: string) => void) => unknown };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const server = require("@pulumi/policy/server") as { serve: (...args: any[]) => void };
server.serve = (_name: string, _version: string, _level: string, args: { policies: Policy[] }) => {
  const found: Record<string, string[]> = {};
  for (const policy of args.policies) {
    if (policy.validateStack === undefined) continue;
    const messages: string[] = [];
    const stackArgs = { resources: [], stackTags: new Map(), getConfig: () => ({}), notApplicable: () => undefined };
    void policy.validateStack(stackArgs, (m) => messages.push(m));
    if (messages.length > 0) found[policy.name] = messages;
  }
  process.stdout.write(JSON.stringify(found));
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(join(__dirname, "..", "..", "policies", "index.ts"));

/**
 * Starts policies/index.ts the way the policy host does (its process environment: PULUMI_CONFIG, the stack and the
 * project), with the gRPC server replaced by a recorder, so a test sees what the pack would serve without a server:
 * prints `{ description, levels: { policy: enforcementLevel } }` as JSON. Run by test/policies/tier-from-config.test.ts
 * in a child process (a PolicyPack is never constructed in the test process).
 */
import { join } from "node:path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const server = require("@pulumi/policy/server") as { serve: (...args: any[]) => void };
server.serve = (_name: string, _version: string, _level: string, args: { description: string; policies: any[] }) => {
  const levels = Object.fromEntries(
    args.policies.map((p: { name: string; enforcementLevel: string }) => [p.name, p.enforcementLevel]),
  );
  process.stdout.write(JSON.stringify({ description: args.description, levels }));
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(join(__dirname, "..", "..", "policies", "index.ts"));

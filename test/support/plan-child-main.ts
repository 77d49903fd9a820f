/**
 * Child-process entry of `planInChild`: plans one stack with config overrides and prints the plan as JSON. The
 * Pulumi runtime is global per process, so a test that compares two plans runs one of them here.
 */
import { planStack } from "../../tools/plan/harness";

const [stack, overrides] = process.argv.slice(2);
planStack(stack, { config: JSON.parse(overrides ?? "{}") as Record<string, unknown> }).then(
  (plan) => process.stdout.write(JSON.stringify(plan), () => process.exit(0)),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

/**
 * `npm run bootstrap -- --region <region> [--profile <p>] [--secrets-key alias/<name>] [--dry-run]`: the account-wide
 * prerequisites of a first deploy (tools/bootstrap/bootstrap.ts), through the AWS CLI v2. Safe to run again.
 * Exit codes: 0 done, 1 a step failed, 2 bad command line.
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { bootstrap, BootstrapError, type CliResult } from "./bootstrap";

const USAGE =
  "usage: npm run bootstrap -- --region <region> [--profile <profile>] [--secrets-key alias/<name>] [--dry-run]";
const INSTALL = "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html";

function awsCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("aws", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "ENOENT"
          ? new BootstrapError(`the AWS CLI v2 is not installed (no \`aws\` on PATH): ${INSTALL}`)
          : err,
      ),
    );
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        region: { type: "string" },
        profile: { type: "string" },
        "secrets-key": { type: "string" },
        "dry-run": { type: "boolean", default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.region === undefined) {
    process.stderr.write(`--region is required: the region the stacks deploy to (aws:region)\n${USAGE}\n`);
    return 2;
  }
  try {
    const { account, steps } = await bootstrap(
      { region: values.region, profile: values.profile, secretsKey: values["secrets-key"], dryRun: values["dry-run"] },
      awsCli,
    );
    process.stdout.write(`AWS account ${account}, region ${values.region}${values["dry-run"] ? " (dry run)" : ""}\n`);
    for (const s of steps)
      process.stdout.write(`  ${s.outcome.padEnd(12)} ${s.what}${s.detail ? ` (${s.detail})` : ""}\n`);
    return 0;
  } catch (err) {
    if (err instanceof BootstrapError) {
      process.stderr.write(`bootstrap: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

void main(process.argv.slice(2)).then((code) => process.stdout.write("", () => process.exit(code)));

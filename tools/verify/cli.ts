/**
 * `npm run verify -- --stack v1`: the post-deploy proof. Reads the stack's outputs (`pulumi stack output --json`,
 * or a file of them with --outputs) and runs the smoke round trip (tools/verify/smoke.ts) through the CDN's domain
 * (`cdn.domainName`): health, a read, an authenticated write read back, a generation job to completion.
 *
 *   --stack <name>       read the outputs with the Pulumi CLI (`pulumi stack output --json --stack <name>`)
 *   --outputs <file>     read them from a file instead (what that command printed)
 *   --url <origin>       send the requests here instead of https://<cdn.domainName> (a local API, say)
 *   --job-timeout <s>    how long the job may take (default 120)
 *
 * The write and the job need a token signed with the API's secret: set VERIFY_JWT_SECRET to it (for a deployed
 * stack, from the Kubernetes Secret the API reads). It is never printed.
 * Exit codes: 0 every step passed, 1 a step failed or the outputs could not be read, 2 bad command line.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { parseArgs } from "node:util";
import { bearerToken } from "./token";
import { smoke } from "./smoke";

const execFileAsync = promisify(execFile);
const USAGE = "usage: npm run verify -- (--stack <name> | --outputs <file>) [--url <origin>] [--job-timeout <s>]";

/** The subject of the verifier's tokens, so its scenes and jobs are recognisable in the data. */
export const VERIFY_SUBJECT = "storyforge-verify";

class UsageError extends Error {}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- stack outputs are whatever the program exported
type Outputs = Record<string, any>;

async function readOutputs(values: { stack?: string; outputs?: string }): Promise<Outputs> {
  if (values.outputs !== undefined) {
    try {
      return JSON.parse(readFileSync(values.outputs, "utf8")) as Outputs;
    } catch (error) {
      throw new Error(`--outputs ${values.outputs}: ${(error as Error).message}`, { cause: error });
    }
  }
  try {
    const { stdout } = await execFileAsync("pulumi", ["stack", "output", "--json", "--stack", String(values.stack)], {
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(stdout) as Outputs;
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") {
      throw new Error(
        `the Pulumi CLI is not on PATH: run \`pulumi stack output --json --stack ${values.stack} > outputs.json\` where it is, then --outputs outputs.json`,
        { cause: error },
      );
    }
    throw new Error(`pulumi stack output --stack ${values.stack}: ${(error as Error).message}`, { cause: error });
  }
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values: { stack?: string; outputs?: string; url?: string; "job-timeout"?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        outputs: { type: "string" },
        url: { type: "string" },
        "job-timeout": { type: "string" },
      },
      strict: true,
    }));
    if ((values.stack === undefined) === (values.outputs === undefined))
      throw new UsageError("give exactly one of --stack and --outputs");
    if (values.url !== undefined && !/^https?:\/\/[^/]+$/.test(values.url))
      throw new UsageError(`--url must be an origin like http://127.0.0.1:3000, got ${values.url}`);
    const t = values["job-timeout"];
    if (t !== undefined && !(Number(t) > 0)) throw new UsageError(`--job-timeout must be seconds > 0, got ${t}`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const secret = env.VERIFY_JWT_SECRET;
  if (secret === undefined || secret === "") {
    process.stderr.write(
      "verify: set VERIFY_JWT_SECRET to the API's JWT secret (the write and the job need a token)\n",
    );
    return 1;
  }
  try {
    const outputs = await readOutputs(values);
    const domain: unknown = outputs.cdn?.domainName;
    if (values.url === undefined && (typeof domain !== "string" || domain === "")) {
      throw new Error("the stack's outputs have no cdn.domainName (is this a tier stack that has been deployed?)");
    }
    const origin = values.url ?? `https://${String(domain)}`;
    process.stdout.write(`verify ${outputs.tier ?? "?"} stack through ${origin}\n`);
    const token = bearerToken(VERIFY_SUBJECT, secret, 900);
    const steps = await smoke({
      origin,
      token,
      ...(values["job-timeout"] === undefined ? {} : { jobTimeoutMs: Number(values["job-timeout"]) * 1000 }),
      onStep: (s) =>
        process.stdout.write(
          `${s.ok ? "ok  " : "FAIL"} ${s.name.padEnd(7)} ${String(s.ms).padStart(6)} ms  ${s.detail}\n`,
        ),
    });
    const passed = steps.length === 4 && steps.every((s) => s.ok);
    process.stdout.write(passed ? "verified\n" : `not verified: ${steps.find((s) => !s.ok)?.name ?? "?"} failed\n`);
    return passed ? 0 : 1;
  } catch (error) {
    process.stderr.write(`verify: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}

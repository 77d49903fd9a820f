/**
 * `npm run loadtest -- --url <origin> --profile <name>`: runs one of the seeds' load profiles (tools/loadtest/
 * profiles.ts) against an origin, prints progress every second on stderr, then the per-phase table on stdout, and
 * writes `<out>/<profile>.svg` (latency and throughput over time) and `<out>/<profile>.json` (the report).
 *
 *   --url <origin>           e.g. https://<cdn domain> (stack output cdn.domainName) or http://127.0.0.1:3000
 *   --profile <name>         seed-001 (three phases) or seed-002 (ramp, p95 < 100 ms, errors < 1 %)
 *   --time-scale <f>         multiply every phase's duration (0 < f ≤ 1; a short run of the same shape)
 *   --rate-scale <f>         multiply every phase's arrival rate (0 < f ≤ 1)
 *   --out <dir>              where the chart and the report go (default .tmp/loadtest)
 *   --max-in-flight <n>      concurrent requests at most (default 512); beyond, requests count as failed
 *
 * Authenticated writes (seed 001 phases 2 and 3) need a token signed with the API's secret: set
 * LOADTEST_JWT_SECRET to it (for a deployed stack, from the Kubernetes Secret the API reads). It is never printed.
 * Exit codes: 0 every threshold held, 1 a threshold failed or the run could not start, 2 bad command line.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { bearerToken } from "../verify/token";
import { profileNamed, scaled, type Profile } from "./profiles";
import { summarise, svgChart, table, type Report } from "./report";
import { runLoad } from "./run";

const USAGE =
  "usage: npm run loadtest -- --url <origin> --profile seed-001|seed-002 [--time-scale f] [--rate-scale f] [--out dir] [--max-in-flight n]";

/** The subject of the load test's tokens, so its scenes are recognisable in the data. */
export const LOADTEST_SUBJECT = "storyforge-loadtest";

class UsageError extends Error {}

function number(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new UsageError(`--${name} must be a number, got ${JSON.stringify(raw)}`);
  return v;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let report: Report;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        url: { type: "string" },
        profile: { type: "string" },
        "time-scale": { type: "string" },
        "rate-scale": { type: "string" },
        out: { type: "string" },
        "max-in-flight": { type: "string" },
      },
      strict: true,
    });
    if (values.url === undefined || values.profile === undefined)
      throw new UsageError("--url and --profile are required");
    let origin: URL;
    try {
      origin = new URL(values.url);
    } catch {
      throw new UsageError(`--url must be an http(s) origin like https://d111.cloudfront.net, got ${values.url}`);
    }
    if (!["http:", "https:"].includes(origin.protocol))
      throw new UsageError(`--url must be http(s), got ${values.url}`);
    const time = number("time-scale", values["time-scale"], 1);
    const rate = number("rate-scale", values["rate-scale"], 1);
    let profile: Profile;
    try {
      profile = scaled(profileNamed(values.profile), { time, rate });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const secret = env.LOADTEST_JWT_SECRET;
    const token = secret === undefined || secret === "" ? undefined : bearerToken(LOADTEST_SUBJECT, secret, 6 * 3600);
    const out = resolve(values.out ?? join(".tmp", "loadtest"));
    process.stderr.write(`${profile.name}: ${profile.source}\n`);
    const samples = await runLoad({
      origin: origin.origin,
      profile,
      ...(token === undefined ? {} : { token }),
      maxInFlight: number("max-in-flight", values["max-in-flight"], 512),
      onProgress: (p) =>
        process.stderr.write(
          `[${String(p.second).padStart(4)}s] ${p.phase.padEnd(20)} target ${String(p.targetRps).padStart(7)} req/s  sent ${String(p.sent).padStart(7)}  p95 ${p.p95Ms === null ? "-" : p.p95Ms.toFixed(1)} ms  errors ${p.errorRatePercent.toFixed(1)} %\n`,
        ),
    });
    report = summarise(profile, samples);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `${profile.name}.svg`), svgChart(profile, samples));
    writeFileSync(join(out, `${profile.name}.json`), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${table(report)}\nchart: ${join(out, `${profile.name}.svg`)}\n`);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`loadtest: ${(error as Error).message}\n`);
    return 1;
  }
  return report.passed ? 0 : 1;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}

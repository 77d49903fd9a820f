// Worker processes for the app tests: `worker/main.ts` run as the image runs it (its own process, its own
// signals), with its ops port found from its "worker started" log line.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./helpers";

export interface WorkerProcess {
  child: ChildProcess;
  /** The ops port (/health/*, /metrics). */
  port: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** GET on the ops port; `status` 0 when it did not answer within 2 s. */
  get(path: string): Promise<{ status: number; text: string; json: any }>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited(): Promise<number | null>;
  /** SIGTERM; resolves with the exit code and how long the exit took. */
  stop(): Promise<{ code: number | null; ms: number }>;
}

const live = new Set<ChildProcess>();

/** SIGKILLs every worker process a test left running (call in afterAll). */
export function killWorkers(): void {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  live.clear();
}

function startedLine(out: string): { metricsPort: number } | undefined {
  for (const line of out.split("\n")) {
    if (!line.includes("worker started")) continue;
    try {
      const entry = JSON.parse(line) as { msg?: unknown; metricsPort?: unknown };
      if (entry.msg === "worker started" && typeof entry.metricsPort === "number")
        return { metricsPort: entry.metricsPort };
    } catch {
      // a partial line: the rest is still on its way
    }
  }
  return undefined;
}

export async function startWorker(env: Record<string, string>, timeoutMs = 30_000): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "worker", "main.ts")], {
    cwd: ROOT,
    // info: the "worker started" line carries the ops port
    env: { ...process.env, ...env, WORKER_METRICS_PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  child.stderr?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  const exit = new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = () => {
      // one JSON object per line; the field order is the logger's, so read the fields, not the text
      const started = startedLine(out);
      if (started === undefined) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      resolve(started.metricsPort);
    };
    child.stdout?.on("data", onData);
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before starting:\n${out}`));
    });
  });
  const get = async (path: string) => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2_000) });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, text, json };
    } catch {
      return { status: 0, text: "", json: undefined };
    }
  };
  return {
    child,
    port,
    output: () => out,
    get,
    exited: () => exit,
    async stop() {
      const t0 = Date.now();
      child.kill("SIGTERM");
      const code = await exit;
      return { code, ms: Date.now() - t0 };
    },
  };
}

export interface ReadinessSample {
  at: number;
  status: number;
  body: string;
}

/** Polls a worker's /health/ready every `everyMs` until stopped; returns every answer with its time. */
export function pollReadiness(w: WorkerProcess, everyMs = 200): { stop(): Promise<ReadinessSample[]> } {
  const samples: ReadinessSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      const r = await w.get("/health/ready");
      samples.push({ at, status: r.status, body: r.text });
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

/**
 * The post-deploy smoke round trip (issue 16 §5) through the stack's front door: the API is ready, a read answers,
 * an authenticated write is accepted and reads back, and a generation job runs to completion on the workers. Each
 * step reports what it saw and how long it took; the first failure stops the round trip, naming the step.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

export interface Step {
  name: string;
  ok: boolean;
  ms: number;
  detail: string;
}

export interface SmokeOptions {
  origin: string;
  /** Bearer token signed with the API's secret. */
  token: string;
  /** How long the job may take to complete. */
  jobTimeoutMs?: number;
  requestTimeoutMs?: number;
  onStep?: (step: Step) => void;
}

class StepFailed extends Error {}

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON bodies, read field by field
  json: any;
  cookie: string | undefined;
}

export async function smoke(options: SmokeOptions): Promise<Step[]> {
  const { origin, token } = options;
  const timeout = options.requestTimeoutMs ?? 10_000;
  let cookie: string | undefined;
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (method !== "GET") headers.authorization = `Bearer ${token}`;
    // The API's read-your-writes cookie: the read after a write goes to the primary, not a lagging replica.
    if (cookie !== undefined) headers.cookie = cookie;
    const res = await fetch(`${origin}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeout),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    const set = res.headers.get("set-cookie");
    return { status: res.status, json, cookie: set === null ? undefined : set.split(";")[0] };
  };
  const expectStatus = (what: string, a: Answer, status: number) => {
    if (a.status !== status) {
      const error = typeof a.json?.error === "object" ? JSON.stringify(a.json.error) : "";
      throw new StepFailed(`${what} answered ${a.status}, expected ${status} ${error}`.trim());
    }
  };

  const steps: Step[] = [];
  const step = async (name: string, run: () => Promise<string>): Promise<boolean> => {
    const start = performance.now();
    let ok = true;
    let detail: string;
    try {
      detail = await run();
    } catch (error) {
      ok = false;
      detail = error instanceof StepFailed ? error.message : `${name}: ${(error as Error).message}`;
    }
    const s = { name, ok, ms: Math.round(performance.now() - start), detail };
    steps.push(s);
    options.onStep?.(s);
    return ok;
  };

  let topicId = "";
  let sceneId = "";
  const ran =
    (await step("health", async () => {
      const a = await call("GET", "/health/ready");
      expectStatus("GET /health/ready", a, 200);
      return "GET /health/ready 200";
    })) &&
    (await step("read", async () => {
      const a = await call("GET", "/topics");
      expectStatus("GET /topics", a, 200);
      const items: Array<{ id: string }> = a.json?.items ?? [];
      if (items.length === 0) throw new StepFailed("GET /topics returned no topic: seed one before verifying");
      topicId = items[0].id;
      return `GET /topics 200, ${items.length} topic(s)`;
    })) &&
    (await step("write", async () => {
      const title = `verify ${new Date().toISOString()}`;
      const created = await call("POST", "/scenes", { topicId, title });
      expectStatus("POST /scenes", created, 201);
      sceneId = String(created.json.id);
      cookie = created.cookie;
      const read = await call("GET", `/scenes/${sceneId}`);
      expectStatus(`GET /scenes/${sceneId}`, read, 200);
      if (read.json?.title !== title)
        throw new StepFailed(`GET /scenes/${sceneId} does not read back the title written`);
      return `POST /scenes 201, read back ${sceneId}`;
    })) &&
    (await step("job", async () => {
      const queued = await call("POST", `/scenes/${sceneId}/segments`, { prompt: "verify: one segment" });
      expectStatus(`POST /scenes/${sceneId}/segments`, queued, 202);
      const jobId = String(queued.json.jobId);
      const deadline = performance.now() + (options.jobTimeoutMs ?? 120_000);
      let status = String(queued.json.status);
      while (status !== "completed") {
        if (status === "failed") throw new StepFailed(`job ${jobId} failed`);
        if (performance.now() > deadline)
          throw new StepFailed(`job ${jobId} is still ${status} after ${options.jobTimeoutMs ?? 120_000} ms`);
        await sleep(500);
        const a = await call("GET", `/jobs/${jobId}`);
        expectStatus(`GET /jobs/${jobId}`, a, 200);
        status = String(a.json.status);
      }
      return `job ${jobId} completed`;
    }));
  void ran;
  return steps;
}

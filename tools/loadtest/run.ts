/**
 * The load generator: an open arrival-rate model (requests start on schedule whether or not earlier ones have
 * answered, as vegeta and k6's arrival-rate executors do), capped at `maxInFlight` concurrent requests; a request
 * that finds the cap full is counted as failed ("generator saturated"), never silently skipped. Every request is
 * recorded with its start time, phase, kind, status and latency.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { AUTHENTICATED, type Phase, type Profile, type RequestKind } from "./profiles";

export interface Sample {
  /** Seconds since the run started. */
  at: number;
  phase: number;
  kind: RequestKind;
  /** HTTP status, or 0 for a network error, a timeout or a saturated generator. */
  status: number;
  latencyMs: number;
  ok: boolean;
}

export interface RunOptions {
  origin: string;
  profile: Profile;
  /** Bearer token for the authenticated kinds (mint it from the API's secret; never logged). */
  token?: string;
  maxInFlight?: number;
  timeoutMs?: number;
  /** Called about once a second with what happened in the last second. */
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  second: number;
  phase: string;
  targetRps: number;
  sent: number;
  p95Ms: number | null;
  errorRatePercent: number;
}

interface Fixtures {
  topicId: string;
  sceneIds: string[];
}

/** The data the mix reads: a topic and a few scenes, found through the API (and created when writes are allowed). */
async function fixtures(origin: string, token: string | undefined, timeoutMs: number): Promise<Fixtures> {
  const get = async (path: string) => {
    const res = await fetch(`${origin}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`load test setup: GET ${path} answered ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const topics = (await get("/topics")) as { items?: Array<{ id: string }> };
  const topicId = topics.items?.[0]?.id;
  if (topicId === undefined) throw new Error("load test setup: GET /topics returned no topic to read and write under");
  const sceneIds: string[] = [];
  if (token !== undefined) {
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${origin}/scenes`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ topicId, title: `load test fixture ${i}` }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status !== 201) throw new Error(`load test setup: POST /scenes answered ${res.status}`);
      sceneIds.push(((await res.json()) as { id: string }).id);
    }
  } else {
    const list = (await get(`/scenes?topicId=${topicId}`)) as { items?: Array<{ id: string }> };
    sceneIds.push(...(list.items ?? []).map((s) => s.id));
  }
  return { topicId, sceneIds };
}

function request(kind: RequestKind, f: Fixtures, n: number): { path: string; init: RequestInit } {
  const scene = f.sceneIds[n % Math.max(1, f.sceneIds.length)];
  switch (kind) {
    case "topics":
      return { path: "/topics", init: {} };
    case "scene-list":
      return { path: `/scenes?topicId=${f.topicId}&limit=20`, init: {} };
    case "scene":
      return { path: `/scenes/${scene}`, init: {} };
    case "search":
      return { path: "/search?q=story", init: {} };
    case "create-scene":
      return {
        path: "/scenes",
        init: { method: "POST", body: JSON.stringify({ topicId: f.topicId, title: `load test ${n}` }) },
      };
    case "enqueue":
      return {
        path: `/scenes/${scene}/segments`,
        init: { method: "POST", body: JSON.stringify({ prompt: `load test segment ${n}` }) },
      };
  }
}

/** Where a phase is at `t` seconds into the run: its index and target rate, or undefined past the end. */
export function phaseAt(phases: readonly Phase[], t: number): { index: number; rate: number } | undefined {
  let start = 0;
  for (const [index, p] of phases.entries()) {
    if (t < start + p.durationSeconds) {
      const f = (t - start) / p.durationSeconds;
      return { index, rate: p.from + (p.to - p.from) * f };
    }
    start += p.durationSeconds;
  }
  return undefined;
}

function weighted(mix: Phase["mix"], n: number): RequestKind {
  const entries = Object.entries(mix) as Array<[RequestKind, number]>;
  const total = entries.reduce((s, [, w]) => s + w, 0);
  // Deterministic interleaving: request n takes the kind whose cumulative share covers n mod total.
  let slot = n % total;
  for (const [kind, w] of entries) {
    if (slot < w) return kind;
    slot -= w;
  }
  return entries[0][0];
}

/** The nearest-rank percentile of `values` (sorted ascending), or null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function runLoad(options: RunOptions): Promise<Sample[]> {
  const { origin, profile } = options;
  const maxInFlight = options.maxInFlight ?? 512;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const needsAuth = profile.phases.some((p) => Object.keys(p.mix).some((k) => AUTHENTICATED.has(k as RequestKind)));
  if (needsAuth && options.token === undefined) {
    throw new Error(`profile ${profile.name} sends authenticated writes: give the load test a token (see --help)`);
  }
  const f = await fixtures(origin, options.token, timeoutMs);
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  const now = () => (performance.now() - start) / 1000;
  let due = 0;
  let last = 0;
  let n = 0;
  let reported = 0;
  for (let t = now(), at = phaseAt(profile.phases, t); at !== undefined; t = now(), at = phaseAt(profile.phases, t)) {
    due += at.rate * (t - last);
    last = t;
    while (due >= 1) {
      due -= 1;
      const kind = weighted(profile.phases[at.index].mix, n);
      const { path, init } = request(kind, f, n);
      n += 1;
      if (pending.size >= maxInFlight) {
        samples.push({ at: t, phase: at.index, kind, status: 0, latencyMs: 0, ok: false });
        continue;
      }
      const headers: Record<string, string> = {};
      if (init.body !== undefined) headers["content-type"] = "application/json";
      if (AUTHENTICATED.has(kind)) headers.authorization = `Bearer ${options.token}`;
      const sent = performance.now();
      const sample: Sample = { at: t, phase: at.index, kind, status: 0, latencyMs: 0, ok: false };
      const p = fetch(`${origin}${path}`, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) })
        .then(async (res) => {
          await res.arrayBuffer();
          sample.status = res.status;
          sample.ok = res.status >= 200 && res.status < 300;
        })
        .catch(() => undefined)
        .finally(() => {
          sample.latencyMs = performance.now() - sent;
          samples.push(sample);
          pending.delete(p);
        });
      pending.add(p);
    }
    if (options.onProgress !== undefined && Math.floor(t) > reported) {
      reported = Math.floor(t);
      const window = samples.filter((s) => s.at >= reported - 1 && s.at < reported);
      const latencies = window.map((s) => s.latencyMs).sort((a, b) => a - b);
      options.onProgress({
        second: reported,
        phase: profile.phases[at.index].name,
        targetRps: Math.round(at.rate * 10) / 10,
        sent: n,
        p95Ms: percentile(latencies, 95),
        errorRatePercent: window.length === 0 ? 0 : (100 * window.filter((s) => !s.ok).length) / window.length,
      });
    }
    await sleep(5);
  }
  await Promise.all(pending);
  return samples.sort((a, b) => a.at - b.at);
}

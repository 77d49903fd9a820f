// POST /scenes/:id/segments refused by the write limit and by load shedding, answered exactly (status, whole body,
// header names in order, the refusal counter), against the Express route before the write path changes
// (/work/notes/perf4-write-spec.md §1 step 5.2, §3). Each case has an app of its own: the limits are per app.
import type { Client } from "pg";
import { sharedServices } from "./services";
import {
  adminWithTopic,
  appEnv,
  call,
  metricValue,
  startApp,
  token,
  unique,
  waitFor,
  type RunningApp,
} from "./helpers";
import { CONNECTION, ERROR_TAIL, RATE, error, rawHttp } from "./raw-http";

describe("the enqueue's answer under the write limit and load shedding", () => {
  const urls = sharedServices();
  const alice = token("alice");
  const json = "application/json";
  let admin: Client;
  let topicId: string;
  let client = 0;
  const nextIp = () => `203.0.113.${++client}`;

  beforeAll(async () => {
    ({ admin, topicId } = await adminWithTopic(urls, "Limits"));
  }, 90_000);
  afterAll(async () => admin?.end());

  /** A scene of alice's on `app`, created from `ip` (a write: it counts against that IP's write bucket). */
  const newScene = async (app: RunningApp, ip: string): Promise<string> => {
    const r = await call(app.url, "/scenes", {
      method: "POST",
      token: alice,
      body: { topicId, title: "limits" },
      headers: { "x-forwarded-for": ip },
    });
    expect(r.status).toBe(201);
    return r.json.id as string;
  };
  const enqueueOn = (app: RunningApp) => {
    const { send } = rawHttp(() => Number(new URL(app.url).port), nextIp);
    return (sceneId: string, ip: string, headers: Record<string, string>) =>
      send({
        path: `/scenes/${sceneId}/segments`,
        ip,
        headers: { "content-type": json, ...headers },
        body: JSON.stringify({ prompt: "the storm breaks" }),
      });
  };
  const bearer = { authorization: `Bearer ${alice}` };
  const REFUSED = ["x-request-id", ...RATE, "retry-after", ...ERROR_TAIL, ...CONNECTION];

  describe("with a write limit of 3 a minute", () => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await startApp(
        appEnv(urls, { QUEUE_PREFIX: `{${unique("limit")}}`, TRUST_PROXY: "true", RATE_LIMIT_WRITE_PER_MIN: "3" }),
      );
    }, 60_000);
    afterAll(async () => app?.close());

    test("POST /scenes and the enqueue share one write bucket per IP; past it the enqueue is a 429 whose Retry-After is the reset", async () => {
      const ip = nextIp();
      const series = 'rate_limited_total{limit="write",route="/scenes/:id/segments"}';
      const before = await metricValue(app, series);
      const sceneId = await newScene(app, ip);
      await newScene(app, ip);
      const enqueue = enqueueOn(app);
      const last = await enqueue(sceneId, ip, bearer);
      expect([last.status, last.headers["ratelimit-limit"], last.headers["ratelimit-remaining"]]).toEqual([
        202,
        "3",
        "0",
      ]);
      const r = await enqueue(sceneId, ip, bearer);
      const reset = r.headers["ratelimit-reset"];
      expect(Number(reset)).toBeGreaterThanOrEqual(1);
      expect(Number(reset)).toBeLessThanOrEqual(60);
      expect([r.status, r.json]).toEqual([
        429,
        error("rate_limited", `rate limit of 3 write requests per minute exceeded; retry in ${reset} s`),
      ]);
      expect(r.names).toEqual(REFUSED);
      const limitHeaders = ["ratelimit-limit", "ratelimit-remaining", "ratelimit-policy", "retry-after"];
      expect(limitHeaders.map((h) => r.headers[h])).toEqual(["3", "0", "3;w=60", reset]);
      expect(r.headers["cache-control"]).toBe("no-store");
      expect(await metricValue(app, series)).toBe(before + 1);
    });
  });

  describe("with load shedding at level 1", () => {
    let app: RunningApp;
    beforeAll(async () => {
      // one waiting job engages level 1, where a write without a valid token gets 10 % of 10 = 1 a minute per IP
      // (the way test/app/features.test.ts drives it on POST /scenes)
      app = await startApp(
        appEnv(urls, {
          QUEUE_PREFIX: `{${unique("shed")}}`,
          TRUST_PROXY: "true",
          RATE_LIMIT_WRITE_PER_MIN: "10",
          SHED_QUEUE_DEPTH: "1",
          SHED_ANONYMOUS_WRITE_PERCENT: "10",
          SHED_CHECK_INTERVAL_MS: "50",
        }),
      );
      await app.ctx.queue.add("generate", {
        jobRowId: unique("j"),
        sceneId: "s",
        sequence: 1,
        userId: "u",
        prompt: "p",
        requestedAt: new Date().toISOString(),
      });
      await waitFor("level 1", async () => (await metricValue(app, "load_shed_level")) === 1, 5_000, 50);
    }, 60_000);
    afterAll(async () => {
      await app?.ctx.queue.obliterate({ force: true }).catch(() => {});
      await app?.close();
    });

    test("an anonymous enqueue counts against the shed limit before its 401, then is a 429; a token keeps the full limit", async () => {
      const sceneId = await newScene(app, nextIp());
      const enqueue = enqueueOn(app);
      const ip = nextIp();
      const first = await enqueue(sceneId, ip, {});
      expect([first.status, first.json]).toEqual([
        401,
        error("unauthorized", "this endpoint needs a bearer token", "authorization"),
      ]);
      expect(["ratelimit-limit", "ratelimit-remaining", "ratelimit-policy"].map((h) => first.headers[h])).toEqual([
        "1",
        "0",
        "1;w=60",
      ]);
      const shed = await enqueue(sceneId, ip, {});
      const reset = shed.headers["ratelimit-reset"];
      expect([shed.status, shed.json]).toEqual([
        429,
        error("rate_limited", `rate limit of 1 write requests per minute exceeded; retry in ${reset} s`),
      ]);
      expect(shed.names).toEqual(REFUSED);
      expect(shed.headers["retry-after"]).toBe(reset);
      const authed = await enqueue(sceneId, nextIp(), bearer);
      expect([authed.status, authed.headers["ratelimit-limit"], authed.headers["ratelimit-policy"]]).toEqual([
        202,
        "10",
        "10;w=60",
      ]);
    });
  });
});

// core/relay.ts on the real services: the 202 is answered once the jobs row is committed, and the BullMQ adds of
// concurrent requests go out together, each job once.
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
import type { Client } from "pg";
import { generationJobId } from "../../core/queue";

describe("the API's relay of committed jobs to BullMQ", () => {
  const urls = sharedServices();
  const alice = token("alice");
  let admin: Client;
  let app: RunningApp;
  let topicId: string;

  beforeAll(async () => {
    ({ admin, topicId } = await adminWithTopic(urls, "Relay"));
    app = await startApp(appEnv(urls, { QUEUE_PREFIX: `{${unique("relay")}}` }));
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await admin?.end();
  });

  test("concurrent 202s reach BullMQ in shared addBulk batches, every accepted job exactly once", async () => {
    const n = 24;
    const scenes = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const r = await call(app.url, "/scenes", { method: "POST", token: alice, body: { topicId, title: `r${i}` } });
        return r.json.id as string;
      }),
    );
    const [batchesBefore, jobsBefore] = [
      await metricValue(app, 'queue_relay_batch_jobs_count{outcome="sent"}'),
      await metricValue(app, 'queue_relay_batch_jobs_sum{outcome="sent"}'),
    ];
    const answers = await Promise.all(
      scenes.map((id) =>
        call(app.url, `/scenes/${id}/segments`, { method: "POST", token: alice, body: { prompt: "together" } }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(n).fill(202));
    // the row is committed before the 202, whatever BullMQ holds yet
    const rows = await admin.query("SELECT id FROM jobs WHERE id = ANY($1::uuid[])", [
      answers.map((a) => a.json.jobId),
    ]);
    expect(rows.rowCount).toBe(n);
    await waitFor("every job in BullMQ", async () => {
      const states = await Promise.all(scenes.map((id) => app.ctx.queue.getJobState(generationJobId(id, 1))));
      return states.every((s) => s === "waiting");
    });
    expect((await app.ctx.queue.getJobCounts("waiting")).waiting).toBe(n);
    expect((await metricValue(app, 'queue_relay_batch_jobs_sum{outcome="sent"}')) - jobsBefore).toBe(n);
    expect((await metricValue(app, 'queue_relay_batch_jobs_count{outcome="sent"}')) - batchesBefore).toBeLessThan(n);
  });
});

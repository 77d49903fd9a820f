// The API's group commit of enqueues (app/services/take-next.ts) on the real services: concurrent requests' common
// cases commit in one statement, yet each keeps every guarantee it had alone.
import { Client } from "pg";
import { sharedServices } from "./services";
import { adminWithTopic, appEnv, call, metricValue, startApp, token, unique, type RunningApp } from "./helpers";
import type { Db } from "../../core/db";
import { HttpError } from "../../core/errors";
import { JobService } from "../../app/services/jobs";

describe("the API's group commit of enqueues", () => {
  const urls = sharedServices();
  const alice = token("alice");
  let admin: Client;
  let app: RunningApp;
  let topicId: string;

  beforeAll(async () => {
    ({ admin, topicId } = await adminWithTopic(urls, "Batch"));
    app = await startApp(appEnv(urls, { QUEUE_PREFIX: `{${unique("enqb")}}` }));
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await admin?.end();
  });

  const newScenes = async (n: number): Promise<string[]> =>
    (
      await admin.query<{ id: string }>(
        `INSERT INTO scenes (topic_id, user_id, title, description)
         SELECT $1, 'alice', 'Batch ' || g, '' FROM generate_series(1, $2::int) g RETURNING id`,
        [topicId, n],
      )
    ).rows.map((r) => r.id);
  const enqueue = (sceneId: string, prompt: string) =>
    call(app.url, `/scenes/${sceneId}/segments`, { method: "POST", token: alice, body: { prompt } });
  const jobsOf = async (scenes: string[]) =>
    (
      await admin.query<{ scene_id: string; sequence: number; prompt: string }>(
        "SELECT scene_id, sequence, prompt FROM jobs WHERE scene_id = ANY($1::uuid[]) ORDER BY scene_id, sequence",
        [scenes],
      )
    ).rows;
  const lastSequences = async (scenes: string[]) =>
    (
      await admin.query<{ last_sequence: number }>("SELECT last_sequence FROM scenes WHERE id = ANY($1::uuid[])", [
        scenes,
      ])
    ).rows.map((r) => r.last_sequence);
  const batches = async (outcome: string) => ({
    statements: await metricValue(app, `enqueue_batch_requests_count{outcome="${outcome}"}`),
    requests: await metricValue(app, `enqueue_batch_requests_sum{outcome="${outcome}"}`),
  });

  test("concurrent enqueues for different scenes commit in shared statements, each answered with its own job", async () => {
    const n = 24;
    const scenes = await newScenes(n);
    const before = await batches("committed");
    const answers = await Promise.all(scenes.map((id, i) => enqueue(id, `own prompt ${i}`)));
    expect(answers.map((a) => a.status)).toEqual(Array(n).fill(202));
    const after = await batches("committed");
    expect(after.requests - before.requests).toBe(n);
    expect(after.statements - before.statements).toBeLessThan(n);
    // each answer names the job its own prompt went into, in its own scene
    const rows = await admin.query<{ id: string; scene_id: string; prompt: string; sequence: number }>(
      "SELECT id, scene_id, prompt, sequence FROM jobs WHERE id = ANY($1::uuid[])",
      [answers.map((a) => a.json.jobId)],
    );
    const byId = new Map(rows.rows.map((r) => [r.id, r]));
    answers.forEach((a, i) => {
      expect(a.json).toMatchObject({ sceneId: scenes[i], sequence: 1, created: true });
      expect(byId.get(a.json.jobId)).toMatchObject({ scene_id: scenes[i], prompt: `own prompt ${i}`, sequence: 1 });
      expect(a.headers.get("set-cookie") ?? "").toMatch(/^sf_ryw=\d+\./);
    });
    // every scene's cached copy was refreshed from the primary: a public read sees the new sequence
    for (const id of scenes.slice(0, 3)) expect((await call(app.url, `/scenes/${id}`)).json.lastSequence).toBe(1);
  });

  test("concurrent requests for one scene never share a batch: each of 4 scenes takes 1..6 under 24 concurrent requests", async () => {
    const scenes = await newScenes(4);
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) => enqueue(scenes[i % 4], `p${i}`).then((a) => ({ a, i }))),
    );
    expect(answers.map(({ a }) => a.status)).toEqual(Array(24).fill(202));
    for (const [k, id] of scenes.entries()) {
      const mine = answers.filter(({ i }) => i % 4 === k);
      expect(mine.map(({ a }) => a.json.sequence as number).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
      const rows = (await jobsOf([id])).map((r) => [r.sequence, r.prompt]);
      expect(rows).toEqual(
        mine.map(({ a, i }) => [a.json.sequence, `p${i}`]).sort((x, y) => (x[0] as number) - (y[0] as number)),
      );
    }
    expect(await lastSequences(scenes)).toEqual([6, 6, 6, 6]);
  });

  test("a request the database refuses fails alone: the others of its batch are accepted, it takes no sequence", async () => {
    const poison = unique("poison");
    const su = new Client({ connectionString: urls.superuserUrl });
    await su.connect();
    const fn = `refuse_${poison.replace(/\W/g, "_")}`;
    // a row-level refusal of one prompt, as a constraint added by a later migration would be
    await su.query(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.prompt = '${poison}' THEN RAISE EXCEPTION 'refused prompt'; END IF; RETURN NEW; END $$`);
    await su.query(`CREATE TRIGGER ${fn} BEFORE INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
    try {
      const scenes = await newScenes(12);
      const before = await batches("failed");
      const answers = await Promise.all(scenes.map((id, i) => enqueue(id, i === 5 ? poison : `fine ${i}`)));
      const after = await batches("failed");
      // the refused request shared a failed statement with others (then ran alone)
      expect(after.requests - before.requests).toBeGreaterThan(after.statements - before.statements);
      expect(answers[5].status).toBe(500);
      expect(answers.filter((_, i) => i !== 5).map((a) => a.status)).toEqual(Array(11).fill(202));
      const rows = await jobsOf(scenes);
      expect(rows.map((r) => r.prompt).sort()).toEqual(
        scenes
          .map((_, i) => `fine ${i}`)
          .filter((p) => p !== "fine 5")
          .sort(),
      );
      expect((await lastSequences([scenes[5]]))[0]).toBe(0);
      expect((await lastSequences(scenes)).filter((s) => s === 1)).toHaveLength(11);
    } finally {
      await su.query(`DROP TRIGGER ${fn} ON jobs`);
      await su.query(`DROP FUNCTION ${fn}()`);
      await su.end();
    }
  });

  test("a scene whose row another transaction holds does not hold up the batch: the others are answered, it waits alone", async () => {
    const scenes = await newScenes(6);
    const holder = new Client({ connectionString: urls.primaryUrl });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query("SELECT 1 FROM scenes WHERE id = $1 FOR UPDATE", [scenes[0]]);
    try {
      const held = enqueue(scenes[0], "held");
      const others = Promise.all(scenes.slice(1).map((id) => enqueue(id, "free")));
      // a bound on waiting, not a speed check: held up, the others would wait for the holder's commit
      const first = await Promise.race([others, new Promise((r) => setTimeout(() => r("held up"), 4_000))]);
      expect(first).not.toBe("held up");
      expect((await others).map((a) => [a.status, a.json.sequence])).toEqual(Array(5).fill([202, 1]));
      expect((await lastSequences([scenes[0]]))[0]).toBe(0);
      await holder.query("COMMIT");
      const h = await held;
      expect([h.status, h.json.sequence, h.json.created]).toEqual([202, 1, true]);
    } finally {
      await holder.query("ROLLBACK").catch(() => {});
      await holder.end();
    }
  });

  /** A JobService whose batched statements go through `write` (the rest of the context is the app's own). */
  const serviceWith = (write: (sql: string, params: unknown[], real: Db["write"]) => Promise<unknown[]>) => {
    const real = app.ctx.db.write.bind(app.ctx.db);
    const db = Object.create(app.ctx.db) as Db;
    db.write = (async (sql: string, params: unknown[]) =>
      sql.includes("unnest") ? write(sql, params, real) : real(sql, params)) as Db["write"];
    return new JobService({ ...app.ctx, db });
  };
  const connectionLost = () => new Error("Connection terminated unexpectedly");

  test("a database failure mid-batch answers 503 only for the batch that did not commit; the batch before it stays accepted", async () => {
    const scenes = await newScenes(5);
    let statements = 0;
    const jobs = serviceWith(async (sql, params, real) => {
      statements++;
      if (statements === 2) throw connectionLost(); // the second batch never reaches the database
      return real(sql, params);
    });
    // the second request of each scene cannot share the first's batch: it goes in the next one
    const outcomes = await Promise.allSettled([
      ...scenes.map((id) => jobs.enqueue(id, "alice", { prompt: "first" })),
      ...scenes.map((id) => jobs.enqueue(id, "alice", { prompt: "second" })),
    ]);
    expect(statements).toBe(2); // the failed batch is not retried item by item: its commit was in doubt
    for (const o of outcomes.slice(0, 5)) {
      expect(o.status).toBe("fulfilled");
      if (o.status === "fulfilled") expect(o.value.job).toMatchObject({ sequence: 1, status: "queued" });
    }
    for (const o of outcomes.slice(5)) {
      expect(o.status).toBe("rejected");
      if (o.status === "rejected") {
        expect(o.reason).toBeInstanceOf(HttpError);
        expect(o.reason).toMatchObject({ status: 503, code: "unavailable" });
      }
    }
    expect((await jobsOf(scenes)).map((r) => [r.sequence, r.prompt])).toEqual(Array(5).fill([1, "first"]));
    expect(await lastSequences(scenes)).toEqual([1, 1, 1, 1, 1]);
  });

  test("a batch whose commit answer is lost is found by the lost-commit lookup: all its requests accepted, none applied twice", async () => {
    const scenes = await newScenes(5);
    let statements = 0;
    const jobs = serviceWith(async (sql, params, real) => {
      statements++;
      await real(sql, params); // committed, then the answer is lost with the connection
      throw connectionLost();
    });
    const answers = await Promise.all(scenes.map((id, i) => jobs.enqueue(id, "alice", { prompt: `lost ${i}` })));
    expect(statements).toBe(1);
    answers.forEach((a, i) => expect(a).toMatchObject({ created: true, job: { sceneId: scenes[i], sequence: 1 } }));
    const rows = await jobsOf(scenes);
    expect(rows.map((r) => [r.scene_id, r.sequence, r.prompt])).toEqual(
      scenes.map((id, i) => [id, 1, `lost ${i}`]).sort((x, y) => ((x[0] as string) < (y[0] as string) ? -1 : 1)),
    );
    expect(await lastSequences(scenes)).toEqual([1, 1, 1, 1, 1]);
    // and each scene's cached copy holds the committed sequence (read from the primary by the lookup's path)
    for (const id of scenes.slice(0, 2)) expect((await call(app.url, `/scenes/${id}`)).json.lastSequence).toBe(1);
  });
});

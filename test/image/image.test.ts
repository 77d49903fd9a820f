// The app image for real, without Docker: the Dockerfile as it is, built by buildah on a stand-in of its node base
// (tools/image/base.ts), then migrations, the API and the worker run from it by podman as the cluster runs them
// (uid 1000, read-only root filesystem, /tmp on tmpfs, no capabilities) against the harness's real PostgreSQL,
// PgBouncer and Redis Cluster. The first run in a checkout makes the base (debootstrap) and a cold build; later
// runs take both from .tmp/image/.
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { startServices, type Services } from "../app/services";
import { freePorts } from "../app/services/system";
import { appEnv, call, insertTopic, token, unique, waitFor } from "../app/helpers";
import { API_COMMAND } from "../../infra/lib/app-pods";
import { baseSpecFor, ensureBaseImage, type BaseResult } from "../../tools/image/base";
import { buildAppImage, type BuiltImage } from "../../tools/image/build";
import { buildCaFile, engineFor, ensureTools, podman, runtimeArgs } from "../../tools/image/engine";
import { Containers, reapStaleContainers } from "../../tools/image/run";

const ROOT = join(__dirname, "..", "..");
const MiB = 1024 ** 2;
const say = (line: string) => process.stdout.write(`image: ${line}\n`);

/** Every path under `dir` (not following symlinks), relative to it. */
function walk(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix))) {
    const rel = prefix === "" ? entry : `${prefix}/${entry}`;
    out.push(rel);
    if (lstatSync(join(dir, rel)).isDirectory()) out.push(...walk(dir, rel));
  }
  return out;
}

describe("the app image, built from the Dockerfile as it is with buildah and run with podman", () => {
  const engine = engineFor(ROOT);
  const containers = new Containers(engine);
  let base: BaseResult;
  let image: BuiltImage;
  let services: Services;
  let admin: Client;
  const sql = async (text: string, values?: unknown[]) =>
    (await admin.query(text, values)).rows as Array<Record<string, unknown>>;

  beforeAll(async () => {
    const started = Date.now();
    await ensureTools();
    const reaped = await reapStaleContainers(engine);
    if (reaped.length > 0) say(`removed containers a killed run left: ${reaped.join(", ")}`);
    base = await ensureBaseImage(engine, baseSpecFor(ROOT), say);
    image = await buildAppImage(engine, { base: base.name, log: say });
    services = await startServices({ name: "image" });
    admin = new Client({ connectionString: services.primaryUrl });
    await admin.connect();
    const report = {
      base: base.name,
      baseMs: base.ms,
      baseCached: !base.built,
      image: image.name,
      buildMs: image.ms,
      sizeBytes: image.sizeBytes,
      appBytes: image.appBytes,
      setupMs: Date.now() - started,
    };
    writeFileSync(join(engine.dir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
    say(
      `${base.name} ${base.built ? `made in ${Math.round(base.ms / 1000)} s` : "from the cache"}; ` +
        `${image.name} built in ${Math.round(image.ms / 1000)} s: ${(image.sizeBytes / MiB).toFixed(1)} MiB, ` +
        `of which the app's layers ${(image.appBytes / MiB).toFixed(1)} MiB`,
    );
  }, 60 * 60_000);

  afterAll(async () => {
    await containers.stopAll();
    await admin?.end();
    await services?.stop();
  }, 180_000);

  test("the stand-in base has the official node image's shape: node and npm in /usr/local/bin, user node is uid 1000", async () => {
    const spec = baseSpecFor(ROOT);
    const probe = await podman(engine, [
      "run",
      "--rm",
      ...runtimeArgs(),
      "--network",
      "none",
      base.name,
      "sh",
      "-c",
      'echo "$(command -v node) $(node --version) $(command -v npm) $(npm --version) $(id -un 1000):$(id -u node):$(id -g node)"',
    ]);
    expect(probe.stdout.trim()).toBe(
      `/usr/local/bin/node v${spec.nodeVersion} /usr/local/bin/npm ${spec.npmVersion} node:1000:1000`,
    );
    const config = JSON.parse(
      (await podman(engine, ["image", "inspect", "--format", "{{json .Config}}", base.name])).stdout,
    );
    expect({ entrypoint: config.Entrypoint, cmd: config.Cmd, user: config.User ?? "" }).toEqual({
      entrypoint: ["docker-entrypoint.sh"],
      cmd: ["node"],
      user: "",
    });
  }, 60_000);

  test("the runtime image holds only the bundles, their maps and the migrations' SQL: no node_modules, no @pulumi, typescript or ts-node, no build CA", async () => {
    const mount = (await podman(engine, ["image", "mount", image.name])).stdout.trim();
    try {
      const everything = walk(mount);
      // Nothing the deploy machine needs, anywhere: by folder, and by every package.json's name.
      const forbidden = /^(@pulumi\/.*|typescript|ts-node)$/;
      expect(everything.filter((p) => /(^|\/)node_modules\/(@pulumi|typescript|ts-node)(\/|$)/.test(p))).toEqual([]);
      const packages = everything
        .filter((p) => p.endsWith("/package.json") && lstatSync(join(mount, p)).isFile())
        .map((p) => {
          try {
            return { p, name: String((JSON.parse(readFileSync(join(mount, p), "utf8")) as { name?: unknown }).name) };
          } catch {
            return { p, name: "" }; // a fixture that is not JSON
          }
        });
      expect(packages.length).toBeGreaterThan(100); // the base's npm and its bundled modules: the scan sees them
      expect(packages.filter(({ name }) => forbidden.test(name))).toEqual([]);
      const app = walk(join(mount, "app")).sort();
      expect(app.filter((p) => !statSync(join(mount, "app", p)).isDirectory())).toEqual([
        "dist/app/main.js",
        "dist/app/main.js.map",
        "dist/app/migrate.js",
        "dist/app/migrate.js.map",
        ...readdirSync(join(ROOT, "core", "migrations"))
          .sort()
          .map((f) => `dist/core/migrations/${f}`),
        "dist/worker/main.js",
        "dist/worker/main.js.map",
      ]);
      // The only node_modules is the base image's npm (with its own bundled modules).
      expect(
        everything.filter((p) => p.endsWith("node_modules") && !p.startsWith("usr/local/lib/node_modules")),
      ).toEqual([]);
      // The CA handed to the build as a secret is in no file of the image.
      const caFile = await buildCaFile();
      if (caFile !== undefined) {
        const ca = readFileSync(caFile);
        const digest = createHash("sha256").update(ca).digest("hex");
        const sameSize = everything.filter((p) => {
          const s = lstatSync(join(mount, p));
          return s.isFile() && s.size === ca.length;
        });
        const copies = sameSize.filter(
          (p) =>
            createHash("sha256")
              .update(readFileSync(join(mount, p)))
              .digest("hex") === digest,
        );
        expect(copies).toEqual([]);
      }
    } finally {
      await podman(engine, ["image", "unmount", image.name]);
    }
    const [inspected] = JSON.parse((await podman(engine, ["image", "inspect", image.name])).stdout);
    const config = inspected.Config;
    expect({ user: config.User, cmd: config.Cmd, workdir: config.WorkingDir, stop: config.StopSignal }).toEqual({
      user: "1000:1000",
      cmd: API_COMMAND,
      workdir: "/app",
      stop: "SIGTERM",
    });
    expect(config.Env).toEqual(expect.arrayContaining(["NODE_ENV=production", "NODE_OPTIONS=--enable-source-maps"]));
    expect(inspected.Healthcheck?.Test?.slice(0, 2)).toEqual(["CMD", "node"]);
  }, 120_000);

  test("migrations run from the image as uid 1000 on a read-only root filesystem and create the schema", async () => {
    const out = await containers.runToEnd(
      { name: unique("storyforge-migrate"), image: image.name, entryPoint: "migrate" },
      { DATABASE_MIGRATION_URL: services.primaryUrl, LOG_LEVEL: "info" },
    );
    expect(out).toMatch(/"msg":"migrations applied"/);
    const [applied] = await sql("SELECT count(*)::int AS n FROM pgmigrations");
    expect(applied.n).toBe(readdirSync(join(ROOT, "core", "migrations")).filter((f) => f.endsWith(".sql")).length);
    const tables = (await sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).map((r) => r.tablename);
    expect(tables).toEqual(expect.arrayContaining(["topics", "scenes", "jobs"]));
  }, 180_000);

  test("the API and the worker from the image: a segment request becomes a job the worker completes, and the segment appears", async () => {
    const [apiPort, workerPort] = await freePorts(2);
    const env = appEnv(services.urls(), {
      PORT: String(apiPort),
      WORKER_METRICS_PORT: String(workerPort),
      QUEUE_PREFIX: `{${unique("image")}}`,
      LOG_LEVEL: "info",
      SHUTDOWN_DRAIN_MS: "0",
    });
    const api = await containers.start({ name: unique("storyforge-api"), image: image.name, entryPoint: "api" }, env);
    const worker = await containers.start(
      { name: unique("storyforge-worker"), image: image.name, entryPoint: "worker" },
      env,
    );
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const ready = async (name: string, url: string) => {
      try {
        await waitFor(
          `${name} ready`,
          async () => (await fetch(url).catch(() => undefined))?.status === 200,
          90_000,
          250,
        );
      } catch (error) {
        throw new Error(`${String(error)}; ${name}'s output:\n${await containers.logs(name)}`, { cause: error });
      }
    };
    await ready(api, `${apiUrl}/health/ready`);
    await ready(worker, `http://127.0.0.1:${workerPort}/health/ready`);

    // Both run as the image's user 1000 and cannot write to their root filesystem; /tmp is theirs.
    for (const name of [api, worker]) {
      const pid = await containers.inspect(name, "{{.State.Pid}}");
      const uid = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      expect({ name, uid: uid?.[1], euid: uid?.[2] }).toEqual({ name, uid: "1000", euid: "1000" });
    }
    expect(await containers.inspect(api, "{{.HostConfig.ReadonlyRootfs}}")).toBe("true");
    const write = (path: string) =>
      podman(engine, ["exec", api, "node", "-e", `require("fs").writeFileSync(${JSON.stringify(path)}, "x")`]);
    await expect(write("/app/probe")).rejects.toThrow(/EROFS|read-only file system/);
    await expect(write("/tmp/probe")).resolves.toBeDefined();
    // The image's HEALTHCHECK passes inside it (as the image's user, on the read-only filesystem).
    await expect(podman(engine, ["healthcheck", "run", api])).resolves.toBeDefined();

    // request -> job -> segment
    const topicId = await insertTopic(sql, "Image");
    const alice = token("alice");
    const scene = await call(apiUrl, "/scenes", {
      method: "POST",
      token: alice,
      body: { topicId, title: "from the image" },
    });
    expect(scene.status).toBe(201);
    const enqueued = await call(apiUrl, `/scenes/${scene.json.id}/segments`, {
      method: "POST",
      token: alice,
      body: { prompt: "the container hums" },
    });
    expect(enqueued.status).toBe(202);
    const jobId = enqueued.json.jobId as string;
    const job = await waitFor(
      "the job to complete",
      async () => {
        const row = (await sql("SELECT status, segment_id FROM jobs WHERE id = $1", [jobId]))[0];
        return row?.status === "completed" ? row : undefined;
      },
      60_000,
      200,
    ).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; worker's output:\n${await containers.logs(worker)}`, { cause: error });
    });
    const segments = await sql("SELECT id, sequence FROM segments WHERE scene_id = $1", [scene.json.id]);
    expect(segments).toEqual([{ id: job.segment_id, sequence: 1 }]);
    const status = await call(apiUrl, `/jobs/${jobId}`, { token: alice });
    expect(status.json).toMatchObject({ id: jobId, status: "completed" });
    const playlist = await call(apiUrl, `/scenes/${scene.json.id}/playlist`);
    expect(playlist.status).toBe(200);
    expect(playlist.text).toMatch(/#EXTINF:/);

    // SIGTERM (the image's STOPSIGNAL) drains and exits 0, as a rollout would stop them.
    expect(await containers.stop(api)).toBe(0);
    expect(await containers.stop(worker)).toBe(0);
  }, 300_000);
});

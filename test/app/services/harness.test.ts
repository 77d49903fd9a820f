// Proves the services harness: the shared instance published by the `app` project's global setup, and a
// private instance whose servers these tests stop and start.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:net";
import { Cluster } from "ioredis";
import { Client } from "pg";
import {
  reapStaleInstances,
  runSql,
  SERVICE_ENV,
  sharedServices,
  startServices,
  type ServiceUrls,
  type Services,
} from "./index";
import { redisCommand } from "./redis";

/** Pids of processes whose working directory is inside `dir` (every server of an instance is). */
function processesIn(dir: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
      } catch {
        return false; // exited meanwhile, or a kernel thread
      }
    })
    .map(Number);
}

async function eventually<T>(probe: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function clusterClient(urls: ServiceUrls): Promise<Cluster> {
  const cluster = new Cluster(urls.redisNodes, { redisOptions: { password: urls.redisPassword } });
  await new Promise<void>((resolve, reject) => {
    cluster.once("ready", resolve);
    cluster.once("error", reject);
  });
  return cluster;
}

/** One command on one node of an instance (no cluster redirection). */
function redisOn(services: Services, index: number, command: string, ...args: string[]): Promise<unknown> {
  return redisCommand(services.redisNodes[index], services.redisPassword, command, ...args);
}

/** Whether something listens at a `postgres://` URL's or a Redis node's address. */
function portIsOpen(target: string | { host: string; port: number }): Promise<boolean> {
  const { host, port } =
    typeof target === "string" ? { host: new URL(target).hostname, port: Number(new URL(target).port) } : target;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const uniqueTable = (): string => `harness_probe_${process.pid}_${Date.now()}`;

// First: init reaps the zombies of the SIGKILLed holder while the rest of the file runs.
describe("clean-up when the process that started the services dies", () => {
  const repoRoot = join(__dirname, "..", "..", "..");
  const fixture = join(__dirname, "fixtures", "hold-services.ts");

  /** Starts services in a child process, sends it `signal` once they are up, and reports what is left. */
  async function killHolder(signal: NodeJS.Signals): Promise<{ dir: string; exit: number | null; sig: string | null }> {
    // node itself with tsx's loader (the tsx CLI would put a wrapper process between us and the holder).
    const child = spawn(process.execPath, ["--import", "tsx", fixture], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      child.once("exit", (code, sig) => resolve([code, sig])),
    );
    const dir = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (line !== undefined) resolve((JSON.parse(line) as { dir: string }).dir);
      });
      void exited.then(([code]) => reject(new Error(`holder exited early with ${code}`)));
    });
    expect(processesIn(dir).length).toBeGreaterThanOrEqual(6);
    child.kill(signal);
    const [exit, sig] = await exited;
    return { dir, exit, sig };
  }

  test("SIGTERM: the signal handler stops every server and deletes the directory before exiting", async () => {
    const { dir, exit } = await killHolder("SIGTERM");
    expect(exit).toBe(143);
    expect(processesIn(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  }, 60_000);

  test("SIGKILL: the servers die with their parent and the next start reaps the directory", async () => {
    const { dir, sig } = await killHolder("SIGKILL");
    expect(sig).toBe("SIGKILL");
    // The parent-death signal reaches the servers at once; PostgreSQL's backends follow their postmaster.
    await eventually(async () => expect(processesIn(dir)).toEqual([]), 10_000);
    expect(existsSync(dir)).toBe(true); // nobody could delete it...
    expect(reapStaleInstances()).toContain(dir); // ...until the next start (or global teardown) reaps it
    expect(existsSync(dir)).toBe(false);
  }, 60_000);
});

describe("the shared instance started by the app project's global setup", () => {
  const shared = sharedServices();

  test("its addresses are published in the environment and in the JSON file", () => {
    const file = process.env[SERVICE_ENV.servicesFile]!;
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(shared);
    expect(process.env[SERVICE_ENV.pgbouncerUrl]).toBe(shared.pgbouncerUrl);
    expect(process.env[SERVICE_ENV.redisNodes]).toBe(shared.redisNodes.map((n) => `${n.host}:${n.port}`).join(","));
    for (const url of [shared.primaryUrl, shared.replicaUrl, shared.pgbouncerUrl, shared.pgbouncerReplicaUrl]) {
      expect(new URL(url).hostname).toBe("127.0.0.1");
    }
    expect(shared.redisNodes.every((n) => n.host === "127.0.0.1")).toBe(true);
  });

  test("the app role owns the storyforge database on a writable primary", async () => {
    const [row] = await runSql<{ owner: string; recovering: boolean }>(
      shared.primaryUrl,
      `SELECT pg_get_userbyid(datdba) AS owner, pg_is_in_recovery() AS recovering
         FROM pg_database WHERE datname = current_database()`,
    );
    expect(row).toEqual({ owner: "storyforge", recovering: false });
  });

  test("a write through PgBouncer reaches the primary and streams to the replica", async () => {
    const table = uniqueTable();
    await runSql(shared.pgbouncerUrl, `CREATE TABLE ${table} (id int PRIMARY KEY, note text)`);
    try {
      await runSql(shared.pgbouncerUrl, `INSERT INTO ${table} VALUES (1, $1)`, ["through the pooler"]);
      expect(await runSql(shared.primaryUrl, `SELECT note FROM ${table}`)).toEqual([{ note: "through the pooler" }]);
      // Streaming is asynchronous: the row appears on the replica shortly after the commit.
      const onReplica = await eventually(async () => {
        const rows = await runSql(shared.replicaUrl, `SELECT note FROM ${table}`);
        if (rows.length === 0) throw new Error("not replayed yet");
        return rows;
      });
      expect(onReplica).toEqual([{ note: "through the pooler" }]);
      expect(await runSql(shared.pgbouncerReplicaUrl, `SELECT note FROM ${table}`)).toEqual(onReplica);
    } finally {
      await runSql(shared.primaryUrl, `DROP TABLE ${table}`);
    }
  });

  test("the replica is a hot standby streaming from the primary and refuses writes", async () => {
    const [receiver] = await runSql(shared.replicaSuperuserUrl, "SELECT status FROM pg_stat_wal_receiver");
    expect(receiver).toEqual({ status: "streaming" });
    const [senders] = await runSql(
      shared.superuserUrl,
      "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'",
    );
    expect(senders).toEqual({ n: 1 });
    await expect(runSql(shared.pgbouncerReplicaUrl, "CREATE TABLE must_fail (id int)")).rejects.toMatchObject({
      code: "25006", // read_only_sql_transaction
    });
  });

  test("PgBouncer runs in transaction mode with the pool settings of seed 000 §3.4", async () => {
    const config = new Map(
      (await runSql<{ key: string; value: string }>(shared.pgbouncerAdminUrl, "SHOW CONFIG")).map((r) => [
        r.key,
        r.value,
      ]),
    );
    expect({
      pool_mode: config.get("pool_mode"),
      max_client_conn: config.get("max_client_conn"),
      default_pool_size: config.get("default_pool_size"),
      min_pool_size: config.get("min_pool_size"),
      reserve_pool_size: config.get("reserve_pool_size"),
      server_connect_timeout: config.get("server_connect_timeout"),
      server_idle_timeout: config.get("server_idle_timeout"),
      server_lifetime: config.get("server_lifetime"),
      client_idle_timeout: config.get("client_idle_timeout"),
      auth_type: config.get("auth_type"),
      listen_addr: config.get("listen_addr"),
    }).toEqual({
      pool_mode: "transaction",
      max_client_conn: "1000",
      default_pool_size: "20",
      min_pool_size: "5",
      reserve_pool_size: "5",
      server_connect_timeout: "5",
      server_idle_timeout: "600",
      server_lifetime: "3600",
      client_idle_timeout: "300",
      auth_type: "scram-sha-256",
      listen_addr: "127.0.0.1",
    });
  });

  test("PgBouncer routes storyforge to the primary and storyforge_replica to the replica", async () => {
    const databases = await runSql<{ name: string; port: string | number }>(shared.pgbouncerAdminUrl, "SHOW DATABASES");
    const portOf = (name: string): string => String(databases.find((d) => d.name === name)?.port);
    expect(portOf("storyforge")).toBe(new URL(shared.primaryUrl).port);
    expect(portOf("storyforge_replica")).toBe(new URL(shared.replicaUrl).port);
  });

  test("PgBouncer refuses a wrong password", async () => {
    const url = new URL(shared.pgbouncerUrl);
    url.password = "wrong";
    await expect(runSql(url.toString(), "SELECT 1")).rejects.toThrow(/authentication failed/);
  });

  test("Redis runs as a cluster of three masters that reports cluster_state:ok and never evicts", async () => {
    const cluster = await clusterClient(shared);
    try {
      const masters = cluster.nodes("master");
      expect(masters).toHaveLength(3);
      for (const master of masters) {
        const info = String(await master.cluster("INFO"));
        expect(info).toContain("cluster_state:ok");
        expect(await master.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
      }
      // Every master serves its own slot range: the 16384 slots are split three ways.
      const slots = await cluster.cluster("SLOTS");
      expect(new Set(slots.map((range) => range[2][1]))).toEqual(new Set(shared.redisNodes.map((n) => n.port)));
    } finally {
      cluster.disconnect();
    }
  });

  test("a multi-key command is refused across slots and accepted inside one hash tag, as BullMQ needs", async () => {
    const cluster = await clusterClient(shared);
    const tag = `{harness-${process.pid}}`;
    try {
      // Different slots: any node refuses the pair with CROSSSLOT (checked before it would redirect with MOVED).
      const a = `harness:${process.pid}:a`;
      const b = `harness:${process.pid}:b`;
      const slotA = await cluster.cluster("KEYSLOT", a);
      const slotB = await cluster.cluster("KEYSLOT", b);
      expect(slotA).not.toBe(slotB);
      const master = cluster.nodes("master").find((m) => m.options.port === shared.redisNodes[0].port)!;
      await expect(master.call("MSET", a, "1", b, "2")).rejects.toThrow(/CROSSSLOT/);
      await cluster.mset(`bull:${tag}:x`, "1", `bull:${tag}:y`, "2");
      expect(await cluster.mget(`bull:${tag}:x`, `bull:${tag}:y`)).toEqual(["1", "2"]);
    } finally {
      await cluster.del(`bull:${tag}:x`, `bull:${tag}:y`);
      cluster.disconnect();
    }
  });
});

describe("a private instance (what fault tests start)", () => {
  let services: Services;

  beforeAll(async () => {
    services = await startServices({ name: "harness-test" });
  }, 120_000);

  afterAll(async () => {
    await services?.stop();
  }, 60_000);

  test("runs on its own ports, apart from the shared instance", () => {
    const shared = sharedServices();
    expect(services.pgbouncerUrl).not.toBe(shared.pgbouncerUrl);
    expect(services.primaryUrl).not.toBe(shared.primaryUrl);
    expect(services.redisNodes).not.toEqual(shared.redisNodes);
  });

  test("sql() runs as superuser on the primary", async () => {
    expect(await services.sql("SELECT current_user AS who, pg_is_in_recovery() AS recovering")).toEqual([
      { who: "postgres", recovering: false },
    ]);
  });

  test("a database a test creates is reachable through PgBouncer too (routed to the primary)", async () => {
    await services.sql("CREATE DATABASE harness_own OWNER storyforge");
    const url = new URL(services.pgbouncerUrl);
    url.pathname = "/harness_own";
    expect(await runSql(url.toString(), "SELECT current_database() AS db")).toEqual([{ db: "harness_own" }]);
  });

  test("PgBouncer holds a server connection only while a client's transaction is open", async () => {
    const serversInUse = async (): Promise<number> => {
      const pools = await runSql<{ database: string; user: string; sv_active: string | number; pool_mode: string }>(
        services.pgbouncerAdminUrl,
        "SHOW POOLS",
      );
      const pool = pools.find((p) => p.database === "storyforge" && p.user === "storyforge");
      expect(pool?.pool_mode).toBe("transaction");
      return Number(pool?.sv_active);
    };
    const client = new Client({ connectionString: services.pgbouncerUrl });
    await client.connect();
    try {
      await client.query("SELECT 1");
      expect(await serversInUse()).toBe(0); // connected but idle: its server went back to the pool
      await client.query("BEGIN");
      await client.query("SELECT 1");
      expect(await serversInUse()).toBe(1);
      await client.query("COMMIT");
      expect(await serversInUse()).toBe(0);
    } finally {
      await client.end();
    }
  });

  test("stopReplica stops the replica; startReplica brings it back streaming and caught up", async () => {
    const table = uniqueTable();
    await runSql(services.pgbouncerUrl, `CREATE TABLE ${table} (id int)`);
    await services.stopReplica();
    expect(await portIsOpen(services.replicaUrl)).toBe(false);
    // The primary carries on; the replication slot keeps the WAL the replica misses meanwhile.
    await runSql(services.pgbouncerUrl, `INSERT INTO ${table} VALUES (42)`);
    await services.startReplica();
    await services.waitForReplica();
    expect(await runSql(services.replicaUrl, `SELECT id FROM ${table}`)).toEqual([{ id: 42 }]);
    expect(await runSql(services.pgbouncerReplicaUrl, `SELECT id FROM ${table}`)).toEqual([{ id: 42 }]);
  });

  test("stopPrimary leaves PgBouncer's clients waiting; startPrimary serves them and restores the stream", async () => {
    await services.stopPrimary();
    expect(await portIsOpen(services.primaryUrl)).toBe(false);
    // PgBouncer still accepts the client and queues its query (up to query_wait_timeout, 120 s by default):
    // an app that must fail fast needs its own query timeout.
    const waiting = new Client({ connectionString: services.pgbouncerUrl, query_timeout: 1_500 });
    waiting.on("error", () => undefined);
    await waiting.connect();
    await expect(waiting.query("SELECT 1")).rejects.toThrow(/timeout/i);
    await waiting.end().catch(() => undefined);
    await services.startPrimary();
    expect(await runSql(services.pgbouncerUrl, "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
    await eventually(async () => {
      const [row] = await runSql(services.replicaSuperuserUrl, "SELECT status FROM pg_stat_wal_receiver");
      expect(row).toEqual({ status: "streaming" });
    }, 20_000);
  });

  test("stopPgBouncer closes its port; startPgBouncer reopens it", async () => {
    await services.stopPgBouncer();
    expect(await portIsOpen(services.pgbouncerUrl)).toBe(false);
    await services.startPgBouncer();
    expect(await runSql(services.pgbouncerUrl, "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
  });

  test("stopRedis stops every node; startRedis brings the cluster back to cluster_state:ok", async () => {
    await services.stopRedis();
    for (const node of services.redisNodes) expect(await portIsOpen(node)).toBe(false);
    await services.startRedis();
    const cluster = await clusterClient(services);
    try {
      expect(String(await cluster.cluster("INFO"))).toContain("cluster_state:ok");
      await cluster.set("harness:after-restart", "yes");
      expect(await cluster.get("harness:after-restart")).toBe("yes");
    } finally {
      cluster.disconnect();
    }
  });

  test("stopRedisNode takes one master down (CLUSTERDOWN everywhere, its keys lost); startRedisNode heals the cluster", async () => {
    const cluster = await clusterClient(services);
    try {
      const node = await services.redisNodeOf("{harness-node}:k");
      await cluster.set("{harness-node}:k", "v");
      expect(await redisOn(services, node, "GET", "{harness-node}:k")).toBe("v");
      await services.stopRedisNode(node);
      expect(await portIsOpen(services.redisNodes[node])).toBe(false);
      const other = (node + 1) % services.redisNodes.length;
      await eventually(async () => {
        expect(String(await redisOn(services, other, "CLUSTER", "INFO"))).toContain("cluster_state:fail");
      }, 15_000);
      await expect(redisOn(services, other, "SET", "anything", "1")).rejects.toThrow(/CLUSTERDOWN/);
      await services.startRedisNode(node);
      expect(String(await redisOn(services, other, "CLUSTER", "INFO"))).toContain("cluster_state:ok");
      expect(await redisOn(services, node, "GET", "{harness-node}:k")).toBeNull(); // nothing persists
    } finally {
      cluster.disconnect();
    }
  });

  test("freezeRedisNode keeps its port open but answers nothing; thawRedisNode brings the cluster back", async () => {
    services.freezeRedisNode(2);
    try {
      expect(await portIsOpen(services.redisNodes[2])).toBe(true);
      await expect(redisOn(services, 2, "PING")).rejects.toThrow(); // connect or command times out
    } finally {
      await services.thawRedisNode(2);
    }
    expect(await redisOn(services, 2, "PING")).toBe("PONG");
    expect(String(await redisOn(services, 0, "CLUSTER", "INFO"))).toContain("cluster_state:ok");
  }, 30_000);

  test("flushRedis empties every master; redisNodeOf names the master of a key's slot", async () => {
    const cluster = await clusterClient(services);
    try {
      const keys = ["{a}x", "{b}x", "{c}x", "{d}x", "{e}x", "{f}x"];
      for (const k of keys) await cluster.set(k, "1");
      for (const k of keys) expect(await redisOn(services, await services.redisNodeOf(k), "GET", k)).toBe("1");
      await services.flushRedis();
      for (const i of services.redisNodes.keys()) expect(await redisOn(services, i, "DBSIZE")).toBe(0);
    } finally {
      cluster.disconnect();
    }
  });

  test("pauseReplicaReplay holds the replica at its last replayed write; resumeReplicaReplay catches it up", async () => {
    const table = uniqueTable();
    await runSql(services.pgbouncerUrl, `CREATE TABLE ${table} (id int)`);
    await services.waitForReplica();
    await services.pauseReplicaReplay();
    try {
      await runSql(services.pgbouncerUrl, `INSERT INTO ${table} VALUES (7)`);
      await new Promise((r) => setTimeout(r, 300));
      expect(await runSql(services.replicaUrl, `SELECT id FROM ${table}`)).toEqual([]);
    } finally {
      await services.resumeReplicaReplay();
    }
    await services.waitForReplica();
    expect(await runSql(services.replicaUrl, `SELECT id FROM ${table}`)).toEqual([{ id: 7 }]);
  });

  test("stop() ends every server process and deletes the instance directory", async () => {
    const dir = services.dir;
    // postgres x2 (plus their helper processes), pgbouncer, three redis nodes
    expect(processesIn(dir).length).toBeGreaterThanOrEqual(6);
    await services.stop();
    expect(processesIn(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });
});

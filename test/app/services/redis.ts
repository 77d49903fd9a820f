// A small Redis Cluster (three masters, no replicas): enough for keys to land in different slots, so the
// BullMQ `{hash-tag}` prefix is proven against a real cluster, not a single node.
import { execFile } from "node:child_process";
import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { ServerProcess } from "./server-process";
import { LOOPBACK, type Binaries, type RunAs } from "./system";

const execFileAsync = promisify(execFile);

export interface RedisNode {
  host: string;
  port: number;
}

export interface RedisContext {
  dir: string;
  bin: Binaries;
  runAs: RunAs | undefined;
  password: string;
  /** One client port and one cluster-bus port per node. */
  ports: number[];
  busPorts: number[];
}

function redisConf(ctx: RedisContext, port: number, busPort: number, nodeDir: string): string {
  return [
    `bind ${LOOPBACK}`,
    `port ${port}`,
    `dir ${nodeDir}`,
    "daemonize no",
    'logfile ""',
    "cluster-enabled yes",
    "cluster-config-file nodes.conf",
    `cluster-port ${busPort}`,
    "cluster-node-timeout 2000",
    // Data does not survive stopRedis/startRedis (no RDB, no AOF); the cluster layout does (nodes.conf).
    'save ""',
    "appendonly no",
    "maxmemory 128mb",
    "maxmemory-policy noeviction", // BullMQ's requirement: an evicted job key is a lost job
    `requirepass ${ctx.password}`,
    `masterauth ${ctx.password}`,
    "",
  ].join("\n");
}

/** Writes one config per node; returns the not-yet-started servers. */
export function configureRedis(ctx: RedisContext): ServerProcess[] {
  return ctx.ports.map((port, i) => {
    const nodeDir = join(ctx.dir, `redis-${i + 1}`);
    mkdirSync(nodeDir, { mode: 0o700 });
    const conf = join(nodeDir, "redis.conf");
    writeFileSync(conf, redisConf(ctx, port, ctx.busPorts[i], nodeDir), { mode: 0o600 });
    if (ctx.runAs !== undefined) {
      chownSync(nodeDir, ctx.runAs.uid, ctx.runAs.gid);
      chownSync(conf, ctx.runAs.uid, ctx.runAs.gid);
    }
    return new ServerProcess({
      label: `redis node ${i + 1}`,
      command: ctx.bin.redisServer,
      args: [conf],
      cwd: nodeDir,
      logFile: join(ctx.dir, `redis-${i + 1}.log`),
      runAs: ctx.runAs,
      stopSignal: "SIGTERM",
      parentDeathSignal: "SIGKILL",
    });
  });
}

/** One command on one node, over a connection that never retries (a probe must fail fast, not queue). */
export async function redisCommand(node: RedisNode, password: string, command: string, ...args: string[]) {
  const client = new Redis({
    host: node.host,
    port: node.port,
    password,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    commandTimeout: 2_000, // a frozen node (freezeRedisNode) accepts the connection and never answers
  });
  client.on("error", () => undefined); // reported through the rejected command instead
  try {
    await client.connect();
    return await client.call(command, ...args);
  } finally {
    client.disconnect();
  }
}

function clusterInfoField(info: unknown, field: string): string | undefined {
  return String(info)
    .split("\r\n")
    .find((line) => line.startsWith(`${field}:`))
    ?.slice(field.length + 1);
}

/** Every node sees all masters and reports `cluster_state:ok`. */
async function clusterIsHealthy(nodes: RedisNode[], password: string): Promise<boolean> {
  for (const node of nodes) {
    const info = await redisCommand(node, password, "CLUSTER", "INFO");
    if (clusterInfoField(info, "cluster_state") !== "ok") return false;
    if (clusterInfoField(info, "cluster_known_nodes") !== String(nodes.length)) return false;
  }
  return true;
}

/** Starts the nodes and waits for each to answer PING. */
export async function startRedisNodes(servers: ServerProcess[], nodes: RedisNode[], password: string): Promise<void> {
  for (const server of servers) server.start();
  await Promise.all(
    servers.map((server, i) =>
      server.waitUntil(async () => (await redisCommand(nodes[i], password, "PING")) === "PONG", "answering PING"),
    ),
  );
}

/** Assigns the slots across the nodes (all masters) and waits until the cluster is healthy. */
export async function createCluster(ctx: RedisContext, servers: ServerProcess[], nodes: RedisNode[]): Promise<void> {
  await execFileAsync(
    ctx.bin.redisCli,
    ["--cluster", "create", ...nodes.map((n) => `${n.host}:${n.port}`), "--cluster-replicas", "0", "--cluster-yes"],
    // REDISCLI_AUTH keeps the password off the command line (visible in ps).
    { env: { PATH: "/usr/bin:/bin", REDISCLI_AUTH: ctx.password }, timeout: 60_000 },
  );
  await waitForHealthyCluster(servers, nodes, ctx.password);
}

export async function waitForHealthyCluster(
  servers: ServerProcess[],
  nodes: RedisNode[],
  password: string,
): Promise<void> {
  await servers[0].waitUntil(async () => {
    if (servers.some((s) => !s.running)) return false;
    return clusterIsHealthy(nodes, password);
  }, "a healthy cluster (cluster_state:ok on every node)");
}

import { ConnectionClosedError } from "bullmq";
import { FetchWatch, type BlockingBackend } from "../../../worker/watch";

const never = <T>() => new Promise<T>(() => undefined);

describe("the worker's fetch watch (worker/watch.ts)", () => {
  const backend = (over: Partial<BlockingBackend> = {}): BlockingBackend => ({
    waitForJob: () => never(),
    reconnectBlocking: () => never(),
    blockingClient: Promise.resolve({ status: "ready" }),
    client: Promise.resolve({ status: "ready" }),
    ...over,
  });

  test("a blocking fetch that outlives BullMQ's timeout, its watchdog and two bounded reconnects is reported as a stalled loop", async () => {
    let now = 1_000_000;
    const watch = new FetchWatch(5_000, () => now);
    const b = backend();
    watch.watch(b);
    await Promise.resolve();
    void b.waitForJob(5);
    expect(watch.problem()).toBeUndefined();
    now += 5_000 + 1_000 + 2 * 5_000 + 2_000; // the bound itself: still fine
    expect(watch.problem()).toBeUndefined();
    now += 1;
    expect(watch.problem()).toBe("fetch loop stalled");
    now += 59_999;
    expect(watch.stalledForMs()).toBe(60_000);
  });

  test("a fetch that returns clears the stall; a blocking client that is not ready is reported", async () => {
    let now = 0;
    let status = "ready";
    let release: (v: null) => void = () => undefined;
    const watch = new FetchWatch(5_000, () => now);
    const b = backend({
      waitForJob: () => new Promise((r) => (release = r)),
      blockingClient: Promise.resolve({
        get status() {
          return status;
        },
      }),
    });
    watch.watch(b);
    await new Promise((r) => setImmediate(r));
    const fetch = b.waitForJob(5);
    now += 60_000;
    expect(watch.problem()).toBe("fetch loop stalled");
    release(null);
    await fetch;
    expect(watch.problem()).toBeUndefined();
    status = "reconnecting";
    expect(watch.problem()).toBe("blocking connection not ready");
  });

  test("a reconnect of the blocking connection that never settles (ioredis' Cluster.connect after a failed ready check) rejects after the bound, as a connection error BullMQ retries", async () => {
    const watch = new FetchWatch(50);
    const b = backend();
    watch.watch(b);
    const t0 = Date.now();
    await expect(b.reconnectBlocking()).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect(watch.reconnectTimeouts).toBe(1);
  });

  test("a reconnect that succeeds passes through untouched", async () => {
    const watch = new FetchWatch(5_000);
    const b = backend({ reconnectBlocking: () => Promise.resolve() });
    watch.watch(b);
    await expect(b.reconnectBlocking()).resolves.toBeUndefined();
    expect(watch.reconnectTimeouts).toBe(0);
  });
});

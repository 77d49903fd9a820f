// The shared libraries' contracts: logging (pino), configuration (zod, one schema per role), the circuit
// breaker and timeouts (cockatiel). No services touched.
import { BrokenCircuitError } from "cockatiel";
import { CircuitBreaker } from "../../../core/breaker";
import { ConfigError, loadConfig } from "../../../core/config";
import { createLogger } from "../../../core/logger";
import { withTimeout } from "../../../core/timeout";

const capture = (level: "debug" | "info" = "info") => {
  const lines: string[] = [];
  return { lines, log: createLogger(level, { service: "api" }, (l) => lines.push(l)) };
};

describe("logs (pino)", () => {
  test("are JSON lines with level names, ISO times and the base fields; below the level nothing is written", () => {
    const { lines, log } = capture();
    log.debug("hidden");
    log.info("hello", { n: 1 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: "info", msg: "hello", service: "api", n: 1 });
    expect(JSON.parse(lines[0]).time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  test("log.info('x', { config }) prints neither the JWT secret nor the passwords inside connection URLs", () => {
    const { lines, log } = capture();
    const config = loadConfig(
      {
        DATABASE_URL: "postgres://app:pg-pass-123@db:6432/storyforge",
        DATABASE_REPLICA_URL: "postgres://app:pg-pass-456@db:6432/storyforge_replica",
        REDIS_URL: "redis://:redis-pass-789@r1:6379,redis://:redis-pass-789@r2:6379",
        JWT_SECRET: "jwt-secret-jwt-secret-jwt-secret-0123",
      },
      "api",
    );
    log.info("x", {
      config,
      nested: { deeper: { password: "p4ss", token: "t0k", headers: { authorization: "Bearer b" } } },
    });
    for (const secret of ["pg-pass-123", "pg-pass-456", "redis-pass-789", "jwt-secret-jwt", "p4ss", "t0k", "Bearer b"])
      expect(lines[0]).not.toContain(secret);
    const entry = JSON.parse(lines[0]);
    // what is not secret stays readable
    expect(entry.config.databaseUrl).toBe("postgres://app:[redacted]@db:6432/storyforge");
    expect(entry.config.redisUrls).toEqual(["redis://:[redacted]@r1:6379", "redis://:[redacted]@r2:6379"]);
    expect(entry.config.jwtSecret).toBe("[redacted]");
    expect(entry.config.port).toBe(3000);
  });

  test("child bindings are redacted too", () => {
    const { lines, log } = capture();
    log.child({ token: "child-token", requestId: "r1" }).warn("y");
    expect(JSON.parse(lines[0])).toMatchObject({ token: "[redacted]", requestId: "r1", level: "warn" });
  });

  test("errors keep their type, message, code, stack and cause", () => {
    const { lines, log } = capture();
    const err = Object.assign(new Error("boom", { cause: new Error("root cause") }), { code: "E_BOOM" });
    log.error("failed", { err });
    const entry = JSON.parse(lines[0]);
    expect(entry.err).toMatchObject({ type: "Error", message: "boom", code: "E_BOOM" });
    expect(entry.err.stack).toContain("libraries.test.ts");
    expect(JSON.stringify(entry.err)).toContain("root cause");
  });
});

describe("configuration (zod, one schema per role)", () => {
  const base = {
    DATABASE_URL: "postgres://u:p@127.0.0.1:6432/storyforge",
    REDIS_URL: "redis://127.0.0.1:7000",
    JWT_SECRET: "s".repeat(32),
  };
  test("defaults follow the seeds: 5 s query timeout, 120/30/20 per minute limits, backoff 30 s to 10 min", () => {
    const c = loadConfig(base, "api");
    expect([c.dbQueryTimeoutMs, c.rateLimitReadPerMin, c.rateLimitWritePerMin, c.rateLimitSceneCreatePerMin]).toEqual([
      5000, 120, 30, 20,
    ]);
    const w = loadConfig(base, "worker");
    expect([w.backoffMinMs, w.backoffMaxMs, w.queuePrefix, w.workerConcurrency, w.jobTimeoutMs]).toEqual([
      30_000,
      600_000,
      "{storyforge}",
      4,
      15_000,
    ]);
    expect(c.databaseReplicaUrl).toBe(base.DATABASE_URL);
  });

  test("the worker reads every one of its variables", () => {
    const w = loadConfig(
      {
        ...base,
        WORKER_CONCURRENCY: "16",
        JOB_TIMEOUT_MS: "1000",
        JOB_ATTEMPTS: "3",
        JOB_BACKOFF_MIN_MS: "100",
        JOB_BACKOFF_MAX_MS: "200",
        PARTITION_MONTHS_AHEAD: "6",
        MAINTENANCE_INTERVAL_MS: "5000",
        GENERATOR: "./gen.js",
        GENERATOR_DELAY_MS: "7",
        JOB_LOCK_MS: "900",
        WORKER_METRICS_PORT: "0",
        QUEUE_PREFIX: "{w}",
        MEDIA_BASE_URL: "https://cdn/x/",
        SHUTDOWN_TIMEOUT_MS: "1234",
      },
      "worker",
    );
    expect(w).toMatchObject({
      workerConcurrency: 16,
      jobTimeoutMs: 1000,
      jobAttempts: 3,
      backoffMinMs: 100,
      backoffMaxMs: 200,
      partitionMonthsAhead: 6,
      maintenanceIntervalMs: 5000,
      generator: "./gen.js",
      generatorDelayMs: 7,
      jobLockMs: 900,
      workerMetricsPort: 0,
      queuePrefix: "{w}",
      mediaBaseUrl: "https://cdn/x",
      shutdownTimeoutMs: 1234,
      jwtSecret: undefined,
    });
  });

  test.each([
    ["api", { JWT_SECRET: "short" }, /JWT_SECRET must be at least 32/],
    ["api", { JWT_SECRET: undefined }, /JWT_SECRET is required/],
    ["api", { DATABASE_URL: "mysql://x" }, /DATABASE_URL must use postgres/],
    ["api", { PORT: "abc" }, /PORT must be an integer, got "abc"/],
    ["api", { SHED_ANONYMOUS_WRITE_PERCENT: "101" }, /SHED_ANONYMOUS_WRITE_PERCENT must be between 0 and 100/],
    ["worker", { WORKER_CONCURRENCY: "0" }, /WORKER_CONCURRENCY must be between 1 and 1000, got 0/],
    ["worker", { QUEUE_PREFIX: "storyforge" }, /QUEUE_PREFIX must be a hash tag/],
    ["worker", { JOB_BACKOFF_MIN_MS: "1000", JOB_BACKOFF_MAX_MS: "10" }, /JOB_BACKOFF_MAX_MS must be >=/],
    ["worker", { REDIS_URL: undefined }, /REDIS_URL is required/],
    ["migrate", { DATABASE_URL: undefined }, /DATABASE_MIGRATION_URL is required/],
  ] as const)("%s: %j is refused with a message naming the variable", (role, over, message) => {
    expect(() => loadConfig({ ...base, ...over }, role as "api")).toThrow(message);
  });

  test("an unparsable URL is refused without echoing it (it may hold a password)", () => {
    expect(() => loadConfig({ ...base, DATABASE_URL: "postgres//u:hunter2@h" }, "api")).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("hunter2") }),
    );
  });

  test("a configured 0 is kept, not replaced by the default", () => {
    expect(loadConfig({ ...base, READ_YOUR_WRITES_MS: "0" }, "api").readYourWritesMs).toBe(0);
  });

  test("each role validates only its own variables", () => {
    expect(() => loadConfig({ ...base, JWT_SECRET: undefined }, "worker")).not.toThrow();
    expect(() => loadConfig({ ...base, JWT_SECRET: undefined }, "api")).toThrow(ConfigError);
    expect(loadConfig({ ...base, WORKER_CONCURRENCY: "many" }, "api").workerConcurrency).toBe(4);
    expect(() => loadConfig({ ...base, WORKER_CONCURRENCY: "many" }, "worker")).toThrow(/WORKER_CONCURRENCY/);
    expect(loadConfig({ DATABASE_MIGRATION_URL: "postgres://m@h/db" }, "migrate")).toEqual({
      role: "migrate",
      databaseUrl: "postgres://m@h/db",
      logLevel: "info",
    });
  });
});

describe("circuit breaker and timeouts (cockatiel)", () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test("the breaker opens after 3 failures and skips the dependency until the cooldown", async () => {
    const b = new CircuitBreaker(3, 60_000);
    for (let i = 0; i < 3; i++) await b.run(() => Promise.reject(new Error("down")), "fallback");
    let called = false;
    const skipped: boolean[] = [];
    expect(
      await b.run(
        async () => ((called = true), "live"),
        "fallback",
        (_e, s) => skipped.push(s),
      ),
    ).toBe("fallback");
    expect(called).toBe(false);
    expect(skipped).toEqual([true]);
    expect(b.closed).toBe(false);
  });

  test("after the cooldown exactly one caller is the trial; the others get the fallback at once", async () => {
    const b = new CircuitBreaker(3, 50);
    for (let i = 0; i < 3; i++) await b.run(() => Promise.reject(new Error("down")), "fallback");
    await sleep(70);
    let calls = 0;
    const slow = async () => {
      calls += 1;
      await sleep(30);
      return "live";
    };
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 5 }, () => b.run(slow, "fallback")));
    expect(calls).toBe(1);
    expect(results.filter((r) => r === "live")).toHaveLength(1);
    expect(results.filter((r) => r === "fallback")).toHaveLength(4);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(b.closed).toBe(true);
    expect(await b.run(async () => "live", "fallback")).toBe("live");
  });

  test("a failed trial opens the circuit again", async () => {
    const b = new CircuitBreaker(1, 30);
    await b.run(() => Promise.reject(new Error("down")), null);
    await sleep(40);
    const errors: unknown[] = [];
    await b.run(
      () => Promise.reject(new Error("still down")),
      null,
      (e) => errors.push(e),
    );
    await b.run(
      async () => "x",
      null,
      (e) => errors.push(e),
    );
    expect(errors[0]).toEqual(new Error("still down"));
    expect(errors[1]).toBeInstanceOf(BrokenCircuitError);
  });

  test("withTimeout rejects with ETIMEDOUT after the deadline and passes results and errors through", async () => {
    await expect(withTimeout(sleep(200), 20, "slow step")).rejects.toMatchObject({
      code: "ETIMEDOUT",
      message: "slow step timed out after 20 ms",
    });
    await expect(withTimeout(Promise.resolve(7), 20)).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error("no")), 20)).rejects.toThrow("no");
  });
});

import {
  API_PORT,
  API_SECRET_KEYS,
  apiEnv,
  apiServiceSpec,
  appDeploymentSpec,
  appLabels,
  commonEnv,
  disruptionBudgetSpec,
  WORKER_METRICS_PORT,
  WORKER_SECRET_KEYS,
  workerEnv,
} from "../../infra/lib/app-pods";
import { TIERS } from "../../stacks/tiers";

const pod = TIERS.mvp.workloads.api.pod;
const deployment = (process: "api" | "worker", replicas?: number) =>
  appDeploymentSpec(process, {
    image: "repo@sha256:" + "a".repeat(64),
    labels: appLabels(process),
    role: process,
    pod,
    env: [],
    maxSurge: 1,
    ...(replicas !== undefined ? { replicas } : {}),
  });

describe("how the API and the worker run (infra/lib/app-pods.ts)", () => {
  test("a Deployment under an autoscaler sets no replicas; one without sets them", () => {
    expect("replicas" in deployment("api")).toBe(false);
    expect(deployment("api", 1).replicas).toBe(1);
  });

  test("each process serves its probes on its own port, readiness and liveness on different paths", () => {
    for (const [process, port] of [
      ["api", API_PORT],
      ["worker", WORKER_METRICS_PORT],
    ] as const) {
      const [c] = deployment(process).template.spec.containers;
      expect(c.ports).toEqual([expect.objectContaining({ containerPort: port, protocol: "TCP" })]);
      expect(c.readinessProbe.httpGet).toEqual({ path: "/health/ready", port });
      expect(c.livenessProbe.httpGet).toEqual({ path: "/health/live", port });
    }
  });

  test("the grace period covers the shutdown each process is told to take", () => {
    const seconds = (env: Array<{ name: string; value?: unknown }>, name: string) =>
      Number(env.find((e) => e.name === name)?.value ?? 0) / 1000;
    const api = apiEnv({ common: [], dbPoolMax: 5, trustProxy: 1, secrets: [] });
    const worker = workerEnv({ common: [], concurrency: 2, dbPoolMax: 4, secrets: [] });
    expect(deployment("api").template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
      seconds(api, "SHUTDOWN_DRAIN_MS") + seconds(api, "SHUTDOWN_TIMEOUT_MS"),
    );
    expect(deployment("worker").template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
      seconds(worker, "SHUTDOWN_TIMEOUT_MS"),
    );
  });

  test("OpenSearch is configured only when there is a domain, and then signed with SigV4", () => {
    const names = (o: Parameters<typeof commonEnv>[0]) => commonEnv(o).map((e) => e.name);
    expect(names({ logLevel: "info", redisCluster: true, region: "us-east-1" })).not.toContain("OPENSEARCH_URL");
    expect(
      commonEnv({ logLevel: "info", redisCluster: true, region: "us-east-1", openSearchUrl: "https://search" }),
    ).toEqual(expect.arrayContaining([{ name: "OPENSEARCH_SIGV4", value: "true" }]));
  });

  test("the worker reads no JWT secret; the API reads every key the worker does", () => {
    expect(WORKER_SECRET_KEYS).not.toContain("JWT_SECRET");
    for (const key of WORKER_SECRET_KEYS) expect(API_SECRET_KEYS).toContain(key);
  });

  test("a disruption budget always lets a drain evict one pod, even of a single-pod preview", () => {
    const labels = appLabels("api", "preview-x");
    expect(disruptionBudgetSpec(labels, 1)).toEqual({ maxUnavailable: 1, selector: { matchLabels: labels } });
    expect(disruptionBudgetSpec(labels, 2)).toEqual({ minAvailable: 1, selector: { matchLabels: labels } });
    expect(disruptionBudgetSpec(labels, 5)).toEqual({ minAvailable: 4, selector: { matchLabels: labels } });
  });

  test("the API's Service targets its port; a preview's labels carry its instance", () => {
    expect(apiServiceSpec(appLabels("api")).ports).toEqual([
      { name: "http", port: API_PORT, targetPort: API_PORT, protocol: "TCP" },
    ]);
    expect(appLabels("api", "preview-x")["app.kubernetes.io/instance"]).toBe("preview-x");
    expect("app.kubernetes.io/instance" in appLabels("api")).toBe(false);
  });
});

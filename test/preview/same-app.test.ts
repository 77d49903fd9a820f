/**
 * A preview runs the API and the worker the way a tier does (one definition, infra/lib/app-pods.ts): the preview's
 * plan (in this process) against mvp's (a child `npm run plan`, the runtime being one stack per process). mvp has no
 * OpenSearch, as a preview has none, so even the environment's names must agree.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { type Plan, planStack } from "../../tools/plan/harness";

type Inputs = Record<string, any>;
const ROOT = join(__dirname, "..", "..");

function podSpecOf(plan: Plan, deployment: string): Inputs {
  const found = plan.resources.filter(
    (r) => r.type === "kubernetes:apps/v1:Deployment" && (r.inputs as Inputs).metadata?.name === deployment,
  );
  if (found.length !== 1)
    throw new Error(`${plan.stack}: expected one Deployment ${deployment}, found ${found.length}`);
  return (found[0].inputs as Inputs).spec.template.spec;
}

/** What must not differ: everything about how the process runs, and which variables (and Secret keys) it reads. */
function howItRuns(spec: Inputs) {
  const [c] = spec.containers;
  return {
    pod: {
      securityContext: spec.securityContext,
      automountServiceAccountToken: spec.automountServiceAccountToken,
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
      volumes: spec.volumes,
    },
    container: {
      name: c.name,
      command: c.command,
      ports: c.ports,
      securityContext: c.securityContext,
      readinessProbe: c.readinessProbe,
      livenessProbe: c.livenessProbe,
      startupProbe: c.startupProbe,
      volumeMounts: c.volumeMounts,
    },
    env: c.env.map((e: Inputs) => e.name),
    secretKeys: c.env.filter((e: Inputs) => e.valueFrom).map((e: Inputs) => e.valueFrom.secretKeyRef.key),
  };
}

let preview: Plan;
let mvp: Plan;
beforeAll(async () => {
  const child = spawnSync(
    join(ROOT, "node_modules", ".bin", "tsx"),
    ["tools/plan/cli.ts", "--stack", "mvp", "--json"],
    {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
    },
  );
  if (child.status !== 0) throw new Error(`plan of mvp failed (exit ${child.status}):\n${child.stderr}`);
  mvp = JSON.parse(child.stdout) as Plan;
  preview = await planStack("preview");
}, 180_000);

describe("a preview runs the API and the worker as the tiers do", () => {
  test.each(["api", "worker"])("%s: the same command, ports, probes, security, shutdown and variables", (name) => {
    expect(howItRuns(podSpecOf(preview, name))).toEqual(howItRuns(podSpecOf(mvp, name)));
  });

  test("only what a preview is differs: one replica without an autoscaler, the ALB as the one proxy, one Redis node", () => {
    const env = (plan: Plan, name: string) =>
      Object.fromEntries(podSpecOf(plan, name).containers[0].env.map((e: Inputs) => [e.name, e.value]));
    expect(env(preview, "api")).toMatchObject({ TRUST_PROXY: "1", REDIS_CLUSTER: "false" });
    expect(env(mvp, "api")).toMatchObject({ TRUST_PROXY: "2", REDIS_CLUSTER: "true" });
    const deployment = (plan: Plan, name: string) =>
      plan.resources.find(
        (r) => r.type === "kubernetes:apps/v1:Deployment" && (r.inputs as Inputs).metadata?.name === name,
      )!.inputs as Inputs;
    expect(deployment(preview, "api").spec.replicas).toBe(1);
    expect(deployment(mvp, "api").spec.replicas).toBeUndefined();
  });
});

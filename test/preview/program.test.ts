/**
 * The previews program (previews/, its template `previews/Pulumi.preview.yaml`, base stack organization/storyforge/v1
 * mocked from Pulumi.v1.yaml) under the mock runtime: what it creates, where, and what it keeps secret.
 */
import { evaluatePolicies } from "../../policies/evaluate";
import { packTargetOf, type Plan, planStack, type PlannedResource } from "../../tools/plan/harness";
import { instanceClassOf } from "../../infra/lib/capacity";
import { validatePlanObjects } from "../../infra/lib/k8s-validate";
import { PREVIEW_ALB_GROUP } from "../../previews/components/app";
import { PREVIEW_SPEC } from "../../stacks/preview/spec";
import { TIERS } from "../../stacks/tiers";
import { PLAN_TIMEOUT_MS } from "../support/plan";

type Inputs = Record<string, any>;
type Resource = PlannedResource & { inputs: Inputs };
let plan: Plan;
const DEPLOYED = {
  "storyforge-preview:branch": "feature/Login-Page",
  "storyforge-preview:commit": "0123456789abcdef0123456789abcdef01234567",
  "storyforge-preview:owner": "jane.doe@example.com",
  "storyforge-preview:deployedAt": "2026-11-23T12:00:00.000Z",
};

beforeAll(async () => {
  plan = await planStack("preview", { config: DEPLOYED });
}, PLAN_TIMEOUT_MS);

const all = () => plan.resources as Resource[];
const ofType = (type: string) => all().filter((r) => r.type === type);
const one = (type: string): Resource => {
  const found = ofType(type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
};
const podSpecs = (): Array<{ name: string; spec: Inputs }> =>
  all()
    .filter((r) =>
      ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:Job"].includes(r.type),
    )
    .map((r) => ({ name: r.inputs.metadata.name, spec: r.inputs.spec.template.spec }));

describe("the preview program", () => {
  test("creates exactly its namespace's objects, the image, its secrets and the base stack reference", () => {
    const counts: Record<string, number> = {};
    for (const r of all()) counts[r.type] = (counts[r.type] ?? 0) + 1;
    expect(counts).toEqual({
      "storyforge:preview:Preview": 1,
      "pulumi:pulumi:StackReference": 1,
      "pulumi:providers:kubernetes": 1,
      "docker-build:index:Image": 1,
      "random:index/randomPassword:RandomPassword": 3,
      "kubernetes:core/v1:Namespace": 1,
      "kubernetes:core/v1:ResourceQuota": 1,
      "kubernetes:core/v1:LimitRange": 1,
      "kubernetes:core/v1:Secret": 1,
      "kubernetes:core/v1:Service": 3,
      "kubernetes:apps/v1:StatefulSet": 2,
      "kubernetes:batch/v1:Job": 1,
      "kubernetes:apps/v1:Deployment": 2,
      "kubernetes:networking.k8s.io/v1:Ingress": 1,
      "kubernetes:policy/v1:PodDisruptionBudget": 2,
    });
  });

  test("every Kubernetes object is a valid object of its API version", () => {
    const results = validatePlanObjects(plan.resources);
    expect(results.map((r) => r.type)).toEqual(
      expect.arrayContaining([
        "kubernetes:apps/v1:Deployment",
        "kubernetes:apps/v1:StatefulSet",
        "kubernetes:batch/v1:Job",
      ]),
    );
    expect(results.filter((r) => r.errors.length > 0).map((r) => [r.resource, r.errors])).toEqual([]);
  });

  test("passes the policy pack's preview rule set (what the pack checks a preview stack by) with no finding", () => {
    const target = packTargetOf("preview", { env: undefined });
    expect(target).toBe("preview");
    // Advisory by design (policies/rules/pods.ts): secrets arrive as secretKeyRef env; third-party images are tags.
    const byDesign = ["k8s-secrets-as-files", "k8s-image-digest"];
    const findings = evaluatePolicies(plan, target).filter((f) => !byDesign.includes(f.policy));
    expect(findings.map((f) => `${f.enforcement} ${f.policy}: ${f.message}`)).toEqual([]);
  });

  test("creates no AWS resource: no RDS, ElastiCache, OpenSearch, EKS, CloudFront, load balancer or repository", () => {
    const aws = all().filter((r) => r.type.startsWith("aws:"));
    expect(aws).toEqual([]);
    const forbidden = /^aws:(rds|elasticache|opensearch|eks|cloudfront|lb|ecr|ec2)\//;
    expect(all().filter((r) => forbidden.test(r.type))).toEqual([]);
  });

  test("every Kubernetes object but the namespace lives in the preview's namespace", () => {
    const ns = one("kubernetes:core/v1:Namespace").inputs.metadata.name;
    expect(ns).toBe("preview");
    const namespaced = all().filter(
      (r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:core/v1:Namespace",
    );
    expect(namespaced.length).toBeGreaterThan(10);
    for (const r of namespaced) expect([r.name, r.inputs.metadata?.namespace]).toEqual([r.name, ns]);
  });

  test("a ResourceQuota caps the namespace and forbids its own load balancers and node ports", () => {
    const hard = one("kubernetes:core/v1:ResourceQuota").inputs.spec.hard;
    expect(hard).toMatchObject({
      "requests.cpu": `${PREVIEW_SPEC.quota.requestsCpuMillicores}m`,
      "requests.memory": `${PREVIEW_SPEC.quota.requestsMemoryMiB}Mi`,
      pods: String(PREVIEW_SPEC.quota.pods),
      "services.loadbalancers": "0",
      "services.nodeports": "0",
    });
  });

  test("a LimitRange gives defaults and a maximum every container stays under", () => {
    const limit = one("kubernetes:core/v1:LimitRange").inputs.spec.limits[0];
    expect(limit.type).toBe("Container");
    expect(limit.defaultRequest).toEqual({ cpu: "100m", memory: "128Mi" });
    const maxCpu = parseInt(limit.max.cpu, 10);
    const maxMemory = parseInt(limit.max.memory, 10);
    for (const { name, spec } of podSpecs()) {
      for (const c of spec.containers) {
        expect([
          name,
          parseInt(c.resources.limits.cpu, 10) <= maxCpu,
          parseInt(c.resources.limits.memory, 10) <= maxMemory,
        ]).toEqual([name, true, true]);
      }
    }
  });

  test("PostgreSQL and Redis are single-instance StatefulSets whose volumes are deleted with them", () => {
    const sets = ofType("kubernetes:apps/v1:StatefulSet");
    expect(sets.map((s) => s.inputs.metadata.name).sort()).toEqual(["postgres", "redis"]);
    for (const s of sets) {
      expect(s.inputs.spec.replicas).toBe(1);
      expect(s.inputs.spec.persistentVolumeClaimRetentionPolicy).toEqual({
        whenDeleted: "Delete",
        whenScaled: "Delete",
      });
      expect(s.inputs.spec.volumeClaimTemplates).toHaveLength(1);
      expect(s.inputs.spec.volumeClaimTemplates[0].spec.storageClassName).toBe(PREVIEW_SPEC.storageClass);
    }
  });

  test("the API and the worker run the branch's image by digest; search has no OpenSearch and Redis is not a cluster", () => {
    const image = one("docker-build:index:Image");
    const digestRef = /^\d{12}\.dkr\.ecr\.us-east-1\.amazonaws\.com\/storyforge-v1-app@sha256:[0-9a-f]{64}$/;
    for (const name of ["api", "worker"]) {
      const container = podSpecs().find((p) => p.name === name)!.spec.containers[0];
      expect(container.image).toMatch(digestRef);
      expect(container.image).toBe(`${image.inputs.registries[0].address}@${plan.outputs.imageDigest}`);
      const env = Object.fromEntries(container.env.map((e: Inputs) => [e.name, e.value ?? e.valueFrom]));
      expect(env.OPENSEARCH_URL).toBeUndefined();
      expect(env.REDIS_CLUSTER).toBe("false");
    }
  });

  test("the image is built into the base stack's repository under a preview tag, not a repository of its own", () => {
    const image = one("docker-build:index:Image");
    expect(image.inputs.registries[0].address).toBe("123456789012.dkr.ecr.us-east-1.amazonaws.com/storyforge-v1-app");
    expect(image.inputs.tags).toEqual([
      expect.stringMatching(
        /^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/storyforge-v1-app:preview-[0-9a-f]{16}$/,
      ),
    ]);
    expect(image.inputs.platforms).toEqual(["linux/arm64"]);
  });

  test("each pod lands on its node group: API and migrations on api, worker on worker, data on system", () => {
    const roles = Object.fromEntries(podSpecs().map((p) => [p.name, p.spec.nodeSelector["storyforge.io/role"]]));
    expect(roles).toEqual({
      api: "api",
      worker: "worker",
      postgres: "system",
      redis: "system",
      [podSpecs().find((p) => p.name.startsWith("migrate-"))!.name]: "api",
    });
  });

  test("the API and the worker may be evicted by a node drain (a budget of one unavailable pod each)", () => {
    const budgets = ofType("kubernetes:policy/v1:PodDisruptionBudget").map((p) => [
      p.inputs.metadata.name,
      p.inputs.spec.maxUnavailable,
      p.inputs.spec.selector.matchLabels["app.kubernetes.io/name"],
    ]);
    expect(budgets).toEqual([
      ["api", 1, "api"],
      ["worker", 1, "worker"],
    ]);
  });

  test("the ingress is a host rule on the shared preview ALB", () => {
    const ingress = one("kubernetes:networking.k8s.io/v1:Ingress").inputs;
    expect(ingress.spec.ingressClassName).toBe("alb");
    expect(ingress.metadata.annotations["alb.ingress.kubernetes.io/group.name"]).toBe(PREVIEW_ALB_GROUP);
    expect(ingress.spec.rules.map((r: Inputs) => r.host)).toEqual(["preview.preview.storyforge.example.com"]);
    expect(plan.outputs.url).toBe("https://preview.preview.storyforge.example.com");
  });

  test("the namespace records owner, branch, commit and last deploy as labels, exactly as annotations", () => {
    const { labels, annotations } = one("kubernetes:core/v1:Namespace").inputs.metadata;
    expect(labels).toMatchObject({
      "storyforge.io/preview": "true",
      "storyforge.io/owner": "jane.doe-example.com",
      "storyforge.io/branch": "feature-Login-Page",
      "storyforge.io/commit": "0123456789abcdef0123456789abcdef01234567",
      "storyforge.io/last-deploy": "20261123T120000Z",
      "pod-security.kubernetes.io/enforce": "restricted",
    });
    expect(annotations).toMatchObject({
      "storyforge.io/owner": "jane.doe@example.com",
      "storyforge.io/branch": "feature/Login-Page",
    });
  });

  test("secrets are masked everywhere: the Secret's values, the registry password, the outputs", () => {
    const secret = one("kubernetes:core/v1:Secret").inputs;
    // The Kubernetes SDK marks a Secret's whole stringData secret.
    expect(secret.stringData).toBe("[secret]");
    expect(one("docker-build:index:Image").inputs.registries[0].password).toBe("[secret]");
    // The mocked passwords all start with "mock-": none may appear outside their RandomPassword.
    const visible = JSON.stringify({
      resources: all().filter((r) => !r.type.startsWith("random:")),
      outputs: plan.outputs,
    });
    expect(visible).not.toMatch(/mock-[0-9a-f]{8}|mock-ecr-token/);
    // Containers read credentials from the Secret, never from a literal.
    for (const { spec } of podSpecs()) {
      for (const e of spec.containers[0].env ?? []) {
        if (/PASSWORD|URL|SECRET/.test(e.name))
          expect([e.name, e.valueFrom?.secretKeyRef?.name]).toEqual([e.name, "storyforge-preview"]);
      }
    }
  });

  test("outputs: url, namespace, image digest, and the incremental cost priced at the base stack's node classes", () => {
    expect(plan.outputs.namespace).toBe("preview");
    expect(plan.outputs.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const cost = plan.outputs.incrementalCost as {
      monthlyUsd: number;
      lines: Array<{ item: string; basis: string; monthlyUsd: number }>;
      unpriced: string[];
    };
    expect(cost.unpriced).toEqual([]);
    expect(cost.lines.find((l) => l.item.startsWith("api "))!.basis).toContain(instanceClassOf("api", TIERS.v1));
    expect(cost.lines.find((l) => l.item.startsWith("worker "))!.basis).toContain(instanceClassOf("worker", TIERS.v1));
    expect(cost.lines.find((l) => l.item.startsWith("postgres "))!.basis).toContain(
      instanceClassOf("system", TIERS.v1),
    );
    expect(cost.monthlyUsd).toBeCloseTo(
      cost.lines.reduce((t, l) => t + l.monthlyUsd, 0),
      2,
    );
    expect(cost.monthlyUsd).toBeGreaterThan(0);
  });
});

/**
 * The compute workloads of one stack, checked on its real offline plan (tools/plan/harness.ts): PgBouncer, the API
 * and worker with their autoscalers, the migrations Job, the image, the API's load balancer and every Kubernetes
 * object's schema. One `planStack` per test file (the Pulumi runtime is global): workloads.<stack>.test.ts.
 */
import { planStack, readStackFile, type Plan, type PlannedResource } from "../../tools/plan/harness";
import { validatePlanObjects } from "../../infra/lib/k8s-validate";
import { lifecyclePolicy, SOURCE_TAG_PREFIX } from "../../infra/components/image";
import { resolveStackConfig } from "../../stacks/config";
import type { TierSpec } from "../../stacks/tiers";
import { API_RPS_QUERY } from "../../infra/lib/monitoring/rules";
import { PLAN_TIMEOUT_MS } from "../support/plan";

type Obj = Record<string, any>;

const SECRET_ENV = ["DATABASE_URL", "DATABASE_REPLICA_URL", "DATABASE_MIGRATION_URL", "REDIS_URL", "JWT_SECRET"];
const DIGEST_REF = /^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9-]+@sha256:[0-9a-f]{64}$/;

function tierOf(stack: string): TierSpec {
  const { file, values } = readStackFile(stack);
  return resolveStackConfig({ stack, stackFile: file, values }).tier;
}

export function workloadsSuite(stack: string): void {
  let plan: Plan;
  const tier = tierOf(stack);
  const w = tier.workloads;

  const all = (type: string): PlannedResource[] => plan.resources.filter((r) => r.type === type);
  const one = (type: string, name: string): Obj => {
    const found = plan.resources.find((r) => r.type === type && r.name === name);
    if (found === undefined) throw new Error(`${stack}: no ${type} named ${name} in the plan`);
    return found.inputs;
  };
  const deployments = () => all("kubernetes:apps/v1:Deployment");
  const podSpecs = (): Array<[string, Obj]> => [
    ...deployments().map((d): [string, Obj] => [d.name, (d.inputs as Obj).spec.template.spec]),
    ...all("kubernetes:batch/v1:Job").map((j): [string, Obj] => [j.name, (j.inputs as Obj).spec.template.spec]),
  ];
  const byMetadataName = (type: string, metadataName: string): Obj => {
    const found = all(type).find((r) => (r.inputs as Obj).metadata?.name === metadataName);
    if (found === undefined) throw new Error(`${stack}: no ${type} with metadata.name ${metadataName}`);
    return found.inputs;
  };

  beforeAll(async () => {
    plan = await planStack(stack);
  }, PLAN_TIMEOUT_MS);

  describe(`${stack} workloads`, () => {
    test("every Kubernetes object is a valid object of its API version, KEDA and TargetGroupBinding against their CRD schemas", () => {
      const results = validatePlanObjects(plan.resources);
      expect(results.map((r) => r.type)).toEqual(
        expect.arrayContaining([
          "kubernetes:apps/v1:Deployment",
          "kubernetes:keda.sh/v1alpha1:ScaledObject",
          "kubernetes:keda.sh/v1alpha1:TriggerAuthentication",
          "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding",
          "kubernetes:batch/v1:Job",
          "kubernetes:policy/v1:PodDisruptionBudget",
        ]),
      );
      expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
    });

    test(`the API scales ${w.api.minReplicas}-${w.api.maxReplicas} pods on requests per second (${w.apiPodRps} per pod, the capacity check's figure), CPU 60 % and memory 75 %, with seed 002's behaviour`, () => {
      expect(all("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).toEqual([]);
      const so = byMetadataName("kubernetes:keda.sh/v1alpha1:ScaledObject", "api");
      expect(so.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "api" });
      expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([w.api.minReplicas, w.api.maxReplicas]);
      const rps = so.spec.triggers.find((t: Obj) => t.type === "prometheus");
      expect(rps).toMatchObject({ metricType: "AverageValue", authenticationRef: { name: "prometheus-workspace" } });
      expect(rps.metadata.threshold).toBe(String(w.apiPodRps));
      expect(rps.metadata.awsRegion).toBe(plan.outputs.region);
      // The workspace's query endpoint without the trailing slash: KEDA appends /api/v1/query itself.
      expect(rps.metadata.serverAddress).toMatch(
        /^https:\/\/aps-workspaces\.[a-z0-9-]+\.amazonaws\.com\/workspaces\/ws-[0-9a-f-]+$/,
      );
      expect(rps.metadata.query).toBe(API_RPS_QUERY);
      expect(so.spec.triggers.filter((t: Obj) => t.type !== "prometheus")).toEqual([
        { type: "cpu", name: "cpu", metricType: "Utilization", metadata: { value: "60" } },
        { type: "memory", name: "memory", metricType: "Utilization", metadata: { value: "75" } },
      ]);
      const behavior = so.spec.advanced.horizontalPodAutoscalerConfig.behavior;
      expect(behavior.scaleUp).toMatchObject({
        stabilizationWindowSeconds: 60,
        policies: [{ type: "Percent", value: 100, periodSeconds: 60 }],
      });
      expect(behavior.scaleDown).toMatchObject({
        stabilizationWindowSeconds: 300,
        policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
      });
    });

    test("KEDA signs the API's Prometheus queries as its operator's IRSA role, which may only query this stack's workspace", () => {
      const auth = byMetadataName("kubernetes:keda.sh/v1alpha1:TriggerAuthentication", "prometheus-workspace");
      expect(auth.spec).toEqual({ podIdentity: { provider: "aws", identityOwner: "keda" } });
      const keda = plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name.endsWith("-keda"));
      const values = (keda?.inputs as Obj).values;
      expect(values.serviceAccount.operator).toEqual({ create: true, name: "keda-operator" });
      const roles = all("aws:iam/role:Role").filter((r) =>
        String((r.inputs as Obj).assumeRolePolicy).includes("system:serviceaccount:keda:keda-operator"),
      );
      expect(roles).toHaveLength(1);
      const roleName = String((roles[0].inputs as Obj).name);
      expect(values.podIdentity.aws.irsa).toEqual({
        enabled: true,
        roleArn: expect.stringMatching(new RegExp(`:role/${roleName}$`)),
      });
      const workspace = all("aws:amp/workspace:Workspace");
      expect(workspace).toHaveLength(1);
      const policies = all("aws:iam/rolePolicy:RolePolicy").filter((p) => (p.inputs as Obj).name === "keda-operator");
      expect(policies.map((p) => JSON.parse(String((p.inputs as Obj).policy)).Statement)).toEqual([
        [
          {
            Effect: "Allow",
            Action: ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"],
            Resource: expect.stringMatching(/^arn:aws:aps:[a-z0-9-]+:\d{12}:workspace\/ws-[0-9a-f-]+$/),
          },
        ],
      ]);
    });

    test("the worker scales on the API's queue depth (waiting + delayed + prioritized) per jobsPerWorker and CPU 70 %, from at least 2, with seed 000 §4.1's behaviour", () => {
      const so = byMetadataName("kubernetes:keda.sh/v1alpha1:ScaledObject", "worker");
      expect(so.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: "worker" });
      expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([w.worker.minReplicas, w.worker.maxReplicas]);
      expect(so.spec.minReplicaCount).toBeGreaterThanOrEqual(2);
      const depth = so.spec.triggers.find((t: Obj) => t.type === "metrics-api");
      expect(depth.metadata).toEqual({
        url: "http://api.storyforge.svc.cluster.local:3000/internal/queue-depth",
        format: "json",
        valueLocation: "depth",
        targetValue: String(w.worker.jobsPerWorker),
      });
      expect(depth.metricType).toBe("AverageValue");
      expect(so.spec.triggers.find((t: Obj) => t.type === "cpu")).toMatchObject({
        metricType: "Utilization",
        metadata: { value: "70" },
      });
      expect(so.spec.triggers.some((t: Obj) => t.type === "redis")).toBe(false);
      const behavior = so.spec.advanced.horizontalPodAutoscalerConfig.behavior;
      expect(behavior.scaleUp).toMatchObject({
        stabilizationWindowSeconds: 60,
        policies: [{ type: "Pods", value: 4, periodSeconds: 60 }],
      });
      expect(behavior.scaleDown).toMatchObject({
        stabilizationWindowSeconds: 300,
        policies: [{ type: "Percent", value: 25, periodSeconds: 120 }],
      });
    });

    test("Deployments under an HPA or ScaledObject set no spec.replicas; PgBouncer runs the tier's count", () => {
      const scaled = [
        ...all("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").map(
          (r) => (r.inputs as Obj).spec.scaleTargetRef.name,
        ),
        ...all("kubernetes:keda.sh/v1alpha1:ScaledObject").map((r) => (r.inputs as Obj).spec.scaleTargetRef.name),
      ];
      expect(scaled.sort()).toEqual(["api", "worker"]);
      for (const d of deployments()) {
        const spec = (d.inputs as Obj).spec;
        if (scaled.includes((d.inputs as Obj).metadata.name))
          expect({ name: d.name, replicas: spec.replicas }).toEqual({ name: d.name, replicas: undefined });
      }
      expect(byMetadataName("kubernetes:apps/v1:Deployment", "pgbouncer").spec.replicas).toBe(w.pgbouncer.replicas);
    });

    test("every pod runs as non-root with a read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp and an emptyDir /tmp", () => {
      expect(podSpecs().length).toBeGreaterThanOrEqual(4);
      for (const [name, spec] of podSpecs()) {
        expect({ name, pod: spec.securityContext }).toMatchObject({
          name,
          pod: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        });
        expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
        for (const c of spec.containers) {
          expect({ name, container: c.securityContext }).toEqual({
            name,
            container: {
              runAsNonRoot: true,
              readOnlyRootFilesystem: true,
              allowPrivilegeEscalation: false,
              privileged: false,
              capabilities: { drop: ["ALL"] },
              seccompProfile: { type: "RuntimeDefault" },
            },
          });
          expect(c.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
        }
        expect(spec.volumes.find((v: Obj) => v.name === "tmp")).toHaveProperty("emptyDir");
      }
    });

    test("every Deployment has the tier's requests and limits, distinct readiness and liveness probes, zone spread, its role's nodes and a grace of 30 s or more", () => {
      const expected: Record<string, { role: string; pod: TierSpec["workloads"]["api"]["pod"] }> = {
        api: { role: "api", pod: w.api.pod },
        worker: { role: "worker", pod: w.worker.pod },
        pgbouncer: { role: "system", pod: w.pgbouncer.pod },
      };
      expect(
        deployments()
          .map((d) => (d.inputs as Obj).metadata.name)
          .sort(),
      ).toEqual(Object.keys(expected).sort());
      for (const d of deployments()) {
        const meta = (d.inputs as Obj).metadata.name as string;
        const spec = (d.inputs as Obj).spec.template.spec;
        const { role, pod } = expected[meta];
        const c = spec.containers[0];
        expect({ meta, resources: c.resources }).toEqual({
          meta,
          resources: {
            requests: { cpu: `${pod.cpuRequestMillicores}m`, memory: `${pod.memoryRequestMiB}Mi` },
            limits: { cpu: `${pod.cpuLimitMillicores}m`, memory: `${pod.memoryLimitMiB}Mi` },
          },
        });
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
        expect(c.readinessProbe).not.toEqual(c.livenessProbe);
        expect(spec.topologySpreadConstraints).toContainEqual(
          expect.objectContaining({ topologyKey: "topology.kubernetes.io/zone", maxSkew: 1 }),
        );
        expect(spec.nodeSelector).toEqual({ "storyforge.io/role": role });
        if (role !== "system")
          expect(spec.tolerations).toEqual([
            { key: "storyforge.io/role", operator: "Equal", value: role, effect: "NoSchedule" },
          ]);
        expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
        expect(spec.serviceAccountName).toBe(meta);
      }
      const api = byMetadataName("kubernetes:apps/v1:Deployment", "api").spec.template.spec.containers[0];
      expect([api.readinessProbe.httpGet.path, api.livenessProbe.httpGet.path]).toEqual([
        "/health/ready",
        "/health/live",
      ]);
    });

    test("every Deployment has a PodDisruptionBudget that still allows one disruption at its minimum", () => {
      const minimum: Record<string, number> = {
        api: w.api.minReplicas,
        worker: w.worker.minReplicas,
        pgbouncer: w.pgbouncer.replicas,
      };
      for (const d of deployments()) {
        const meta = (d.inputs as Obj).metadata.name as string;
        const labels = (d.inputs as Obj).spec.selector.matchLabels;
        const pdb = all("kubernetes:policy/v1:PodDisruptionBudget")
          .map((p) => p.inputs as Obj)
          .find((p) => JSON.stringify(p.spec.selector.matchLabels) === JSON.stringify(labels));
        expect({ meta, pdb: pdb !== undefined }).toEqual({ meta, pdb: true });
        const allowed =
          pdb!.spec.minAvailable !== undefined ? minimum[meta] - pdb!.spec.minAvailable : pdb!.spec.maxUnavailable;
        expect({ meta, allowed: allowed >= 1 }).toEqual({ meta, allowed: true });
        if (pdb!.spec.minAvailable !== undefined) expect(pdb!.spec.minAvailable).toBeGreaterThanOrEqual(1);
      }
    });

    test("the API, worker and migrations run the built image by digest, and the stack exports that reference", () => {
      const app = plan.outputs.app as Obj;
      expect(app.imageRef).toMatch(DIGEST_REF);
      for (const [name, spec] of podSpecs()) {
        if (name.includes("pgbouncer")) continue;
        expect({ name, image: spec.containers[0].image }).toEqual({ name, image: app.imageRef });
      }
      const repo = all("aws:ecr/repository:Repository")[0].inputs as Obj;
      expect(repo).toMatchObject({
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "KMS" }],
      });
      const image = all("docker-build:index:Image")[0].inputs as Obj;
      expect(image.platforms).toEqual(["linux/arm64"]);
      expect(image.push).toBe(true);
      // The tier's image is tagged `src-…`: the tag the lifecycle policy keeps 30 of, apart from preview pushes.
      expect(String((image.tags as string[])[0])).toMatch(new RegExp(`:${SOURCE_TAG_PREFIX}[0-9a-f]{16}$`));
      const lifecycle = JSON.parse(all("aws:ecr/lifecyclePolicy:LifecyclePolicy")[0].inputs.policy as string);
      expect(lifecycle).toEqual(lifecyclePolicy({ keepImages: 30, previewImageDays: 14 }));
    });

    test("PgBouncer carries seed 000 §3.4's settings, TLS to RDS, and spreads storyforge_replica over every replica", () => {
      const ini = byMetadataName("kubernetes:core/v1:ConfigMap", "pgbouncer-config").data["pgbouncer.ini"] as string;
      const settings = Object.fromEntries(
        ini
          .split("\n")
          .map((l) => /^(\w+) = (.*)$/.exec(l))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => [m[1], m[2]]),
      );
      expect(settings).toMatchObject({
        pool_mode: "transaction",
        max_client_conn: "1000",
        default_pool_size: "20",
        min_pool_size: "5",
        reserve_pool_size: "5",
        server_connect_timeout: "5",
        server_idle_timeout: "600",
        server_lifetime: "3600",
        client_idle_timeout: "300",
        log_connections: "0",
        log_disconnections: "0",
        log_pooler_errors: "1",
        stats_period: "60",
        listen_port: "6432",
        server_tls_sslmode: "require",
      });
      const rds = all("aws:rds/instance:Instance").map((r) => r.inputs as Obj);
      const address = (i: Obj) => `${i.identifier}.c0mockdb0000.us-east-1.rds.amazonaws.com`;
      const primary = rds.filter((i) => i.replicateSourceDb === undefined).map(address);
      const replicas = rds.filter((i) => i.replicateSourceDb !== undefined).map(address);
      expect(primary).toHaveLength(1);
      expect(replicas).toHaveLength(tier.database.replicas.count);
      expect(ini).toContain(`storyforge = host=${primary[0]} port=5432 dbname=storyforge\n`);
      const replicaLine = ini.split("\n").find((l) => l.startsWith("storyforge_replica = "))!;
      expect(replicaLine).toContain("load_balance_hosts=round-robin");
      expect(/host=(\S+)/.exec(replicaLine)![1].split(",").sort()).toEqual([...replicas].sort());
      const service = byMetadataName("kubernetes:core/v1:Service", "pgbouncer");
      expect(service.spec.ports[0].port).toBe(6432);
      expect(byMetadataName("kubernetes:apps/v1:Deployment", "pgbouncer").spec.template.spec.nodeSelector).toEqual({
        "storyforge.io/role": "system",
      });
    });

    test("the migrations Job is named for the image digest and reads the direct primary URL from a Secret no Deployment reads", () => {
      const job = all("kubernetes:batch/v1:Job")[0];
      const jobInputs = job.inputs as Obj;
      expect(jobInputs.metadata.name).toBe(plan.outputs.app && (plan.outputs.app as Obj).migrationJob);
      expect(jobInputs.metadata.name).toBe(
        `migrate-${((plan.outputs.app as Obj).imageRef as string).split("sha256:")[1].slice(0, 12)}`,
      );
      const env = jobInputs.spec.template.spec.containers[0].env as Obj[];
      expect(env.find((e) => e.name === "DATABASE_MIGRATION_URL")).toEqual({
        name: "DATABASE_MIGRATION_URL",
        valueFrom: { secretKeyRef: { name: "storyforge-migrations", key: "DATABASE_MIGRATION_URL" } },
      });
      expect(env.some((e) => e.name === "DATABASE_URL")).toBe(false);
      for (const d of deployments()) {
        const refs = JSON.stringify((d.inputs as Obj).spec.template.spec.containers);
        expect({ name: d.name, usesMigrationSecret: refs.includes("storyforge-migrations") }).toEqual({
          name: d.name,
          usesMigrationSecret: false,
        });
      }
      expect(jobInputs.spec.template.spec.containers[0].command).toEqual(["node", "dist/app/migrate.js"]);
    });

    test("secrets reach pods only through Secret references, never as env literals, plan inputs or outputs", () => {
      for (const [name, spec] of podSpecs()) {
        for (const c of spec.containers) {
          for (const e of (c.env ?? []) as Obj[]) {
            if (SECRET_ENV.includes(e.name))
              expect({ name, env: e.name, literal: e.value }).toEqual({ name, env: e.name, literal: undefined });
            if (typeof e.value === "string")
              expect({ name, env: e.name, value: /postgres:\/\/|rediss?:\/\/|mock-/.test(e.value) }).toEqual({
                name,
                env: e.name,
                value: false,
              });
          }
        }
      }
      for (const s of all("kubernetes:core/v1:Secret"))
        expect({ secret: s.name, stringData: (s.inputs as Obj).stringData }).toEqual({
          secret: s.name,
          stringData: "[secret]",
        });
      const outputs = JSON.stringify(plan.outputs);
      expect(outputs).not.toMatch(/postgres:\/\/|rediss:\/\//);
      expect(outputs).not.toMatch(/"mock-[0-9a-f]{16,}"/);
    });

    test("the ALB admits only CloudFront's origin-facing prefix list and forwards only requests carrying the origin secret", () => {
      const albSg = one("aws:ec2/securityGroup:SecurityGroup", "load-balancer-sg");
      expect(albSg.ingress ?? []).toEqual([]);
      const ingress = all("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) =>
        r.name.startsWith("load-balancer-from"),
      );
      expect(ingress.map((r) => r.inputs as Obj)).toEqual([
        expect.objectContaining({ prefixListId: "pl-3b927c52", fromPort: 80, toPort: 80 }),
      ]);
      expect(ingress.some((r) => (r.inputs as Obj).cidrIpv4 !== undefined)).toBe(false);
      const listener = one("aws:lb/listener:Listener", "load-balancer-listener");
      expect(listener).toMatchObject({
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "fixed-response", fixedResponse: { statusCode: "403" } }],
      });
      const forward = one("aws:lb/listenerRule:ListenerRule", "load-balancer-from-cdn");
      expect(forward.conditions).toEqual([{ httpHeader: { httpHeaderName: "X-Origin-Verify", values: ["[secret]"] } }]);
      expect(forward.actions[0].type).toBe("forward");
      const internal = one("aws:lb/listenerRule:ListenerRule", "load-balancer-internal-paths");
      expect(internal.priority).toBeLessThan(forward.priority);
      expect(internal.conditions).toContainEqual({ pathPattern: { values: ["/internal/*", "/metrics"] } });
      const tg = one("aws:lb/targetGroup:TargetGroup", "load-balancer-api");
      expect(tg).toMatchObject({
        targetType: "ip",
        port: 3000,
        protocol: "HTTP",
        healthCheck: { path: "/health/ready" },
      });
      const alb = one("aws:lb/loadBalancer:LoadBalancer", "load-balancer-alb");
      expect(alb).toMatchObject({
        internal: false,
        loadBalancerType: "application",
        dropInvalidHeaderFields: true,
        accessLogs: { enabled: true },
      });
      const fromAlb = one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "load-balancer-api-from-alb");
      expect(fromAlb).toMatchObject({
        fromPort: 3000,
        toPort: 3000,
        securityGroupId: plan.outputs.vpc && (plan.outputs.vpc as Obj).workloadSecurityGroupId,
      });
    });

    test("a TargetGroupBinding registers the API Service's pods in the ALB's target group", () => {
      const tgb = byMetadataName("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding", "api");
      expect(tgb.metadata.namespace).toBe("storyforge");
      expect(tgb.spec).toEqual({
        serviceRef: { name: "api", port: 3000 },
        targetGroupARN: (plan.outputs.app as Obj).loadBalancer.targetGroupArn,
        targetType: "ip",
      });
      expect((plan.outputs.app as Obj).loadBalancer.originProtocol).toBe("http-only");
    });

    test("the capacity output holds every inequality's figures for the tier", () => {
      const capacity = plan.outputs.capacity as Obj;
      expect(capacity.tier).toBe(stack);
      expect(Object.keys(capacity.nodeGroups).sort()).toEqual(["api", "system", "worker"]);
      for (const g of Object.values<Obj>(capacity.nodeGroups)) {
        expect(g.requested.cpuMillicores).toBeLessThanOrEqual(g.maxAllocatable.cpuMillicores);
        expect(g.requested.memoryMiB).toBeLessThanOrEqual(g.maxAllocatable.memoryMiB);
        expect(g.nodesNeeded).toBeLessThanOrEqual(g.maxSize);
      }
      expect(capacity.pgbouncerClients.clientConnections).toBeLessThanOrEqual(capacity.pgbouncerClients.capacity);
      expect(capacity.databaseConnections.primary.serverConnections).toBeLessThan(
        capacity.databaseConnections.primary.limit,
      );
      expect(capacity.databaseConnections.replica.serverConnections).toBeLessThan(
        capacity.databaseConnections.replica.limit,
      );
      expect(capacity.throughput.originRps).toBeLessThanOrEqual(capacity.throughput.capacityRps);
      expect(capacity.throughput.apiMaxReplicas).toBe(w.api.maxReplicas);
    });
  });
}

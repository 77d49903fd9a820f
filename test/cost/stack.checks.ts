/**
 * The cost checks every tier's real plan must pass; one test file per tier calls describeStackCost (one plan per
 * jest file, as the Pulumi runtime is global).
 */
import { planStack, type Plan } from "../../tools/plan/harness";
import { checkBudget } from "../../infra/lib/cost/budget";
import { estimateCost } from "../../infra/lib/cost/estimate";
import { loadProfile } from "../../infra/lib/cost/load";
import { allocatable, nodesFor } from "../../infra/lib/capacity/nodes";
import { API_CPU_TARGET } from "../../infra/lib/api-scaling";
import { WORKER_CPU_TARGET } from "../../infra/components/workloads";
import { ROLE_LABEL } from "../../infra/lib/pod-spec";
import { stackContext } from "../../tools/cost/sources";
import type { CostEstimate } from "../../infra/lib/cost/types";
import { PLAN_TIMEOUT_MS } from "../support/plan";
import { GOLDEN_MONTHLY } from "./goldens";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildDiagram, renderMermaid, renderSvg } from "../../tools/plan/diagram";

export function describeStackCost(stack: "mvp" | "v1" | "v2"): void {
  describe(`cost of the ${stack} stack`, () => {
    let plan: Plan;
    beforeAll(async () => {
      plan = await planStack(stack);
    }, PLAN_TIMEOUT_MS);
    it("the `cost` stack output is the offline estimate of the same stack", () => {
      const context = stackContext(stack)!;
      const offline = estimateCost(plan.resources, context.tier.usage, {
        region: context.region,
        stack,
        load: loadProfile(context.tier),
      });
      expect(plan.outputs.cost).toEqual(offline);
    });

    it("totals what the plan declares: min, expected and max pinned", () => {
      expect((plan.outputs.cost as CostEstimate).monthly).toEqual(GOLDEN_MONTHLY[stack]);
    });

    it("prices every line: nothing the program declares lacks a rule or a price", () => {
      const unpriced = (plan.outputs.cost as CostEstimate).lineItems.filter((l) => l.monthly === null);
      expect(unpriced.map((l) => `${l.resource} ${l.sku}: ${l.unpriced}`)).toEqual([]);
    });

    it("prices inter-AZ transfer where the bytes come from (Redis, the RDS primary, OpenSearch), for API reads and workers' jobs", () => {
      const cost = plan.outputs.cost as CostEstimate;
      const tier = stackContext(stack)!.tier;
      const lines = cost.lineItems.filter((l) => l.sku === "transfer/inter-az");
      const types = [
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:rds/instance:Instance",
        ...(tier.search !== null ? ["aws:opensearch/domain:Domain"] : []),
      ];
      expect([...new Set(lines.map((l) => l.type))].sort()).toEqual(types.sort());
      const crossing = (item: string) =>
        lines.filter((l) => l.item === item).reduce((t, l) => t + l.quantity.expected, 0) / 2;
      // 3 zones: 2/3 of hops cross. API: the search share of served bytes from OpenSearch where there is a domain,
      // the rest 80 % from Redis and 20 % through PgBouncer and RDS (two hops).
      const served = tier.usage.albProcessedGb;
      const searched = tier.search !== null ? served * 0.1 : 0;
      expect(crossing("inter-az-transfer")).toBeCloseTo(
        (searched + (served - searched) * (0.8 + 0.2 * 2)) * (2 / 3),
        -1,
      );
      // Workers: the edge's requests past CloudFront, 5 % enqueueing, each job 5 KB to Redis, 3 KB twice to RDS and
      // 1 KB to OpenSearch.
      const jobs = tier.usage.cdnRequestsMillions * 1e6 * (1 - tier.workloads.cdnHitRatio) * 0.05;
      const perJob = 5_000 + 3_000 * 2 + (tier.search !== null ? 1_000 : 0);
      expect(crossing("inter-az-transfer/workers")).toBeCloseTo(((jobs * perJob) / 1e9) * (2 / 3), -1);
      expect(cost.assumptions.derived!.interAzCrossingGb).toBeCloseTo(crossing("inter-az-transfer"), 0);
      expect(cost.assumptions.derived!.interAzWorkerCrossingGb).toBeCloseTo(crossing("inter-az-transfer/workers"), 0);
      for (const l of lines) expect(l.description).toMatch(/; .*(assumed per job|reads|search responses)/);
    });

    it("prices the EKS control plane at the support its version and upgrade policy put it in", () => {
      const plane = (plan.outputs.cost as CostEstimate).lineItems.find((l) => l.item === "control-plane-hours")!;
      expect(plane.attributes).toMatchObject({ supportType: "STANDARD" });
      expect(plane.sku).toBe("eks/cluster");
      expect(plane.note).toMatch(/standard support until \d{4}-\d{2}-\d{2}/);
    });

    it("min and max are each node group's minSize and maxSize; expected lies between them, at desiredSize unless an autoscaler drives the group", () => {
      const groups = plan.resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
      expect(groups.length).toBeGreaterThan(0);
      const hours = (plan.outputs.cost as CostEstimate).lineItems.filter(
        (l) => l.item === "node-hours" && l.type === "aws:eks/nodeGroup:NodeGroup",
      );
      expect(hours.map((l) => l.resource).sort()).toEqual(groups.map((g) => g.name).sort());
      for (const g of groups) {
        const s = g.inputs.scalingConfig as { minSize: number; desiredSize: number; maxSize: number };
        const line = hours.find((l) => l.resource === g.name)!;
        expect(line.quantity).toMatchObject({ min: s.minSize * 730, max: s.maxSize * 730 });
        expect(line.quantity.expected).toBeGreaterThanOrEqual(line.quantity.min);
        expect(line.quantity.expected).toBeLessThanOrEqual(line.quantity.max);
        if (line.attributes!.drivenBy === undefined) expect(line.quantity.expected).toBe(s.desiredSize * 730);
      }
    });

    it("the api and worker groups are expected at the tier's traffic over the bench's per-pod rates, each naming its ScaledObject", () => {
      const tier = stackContext(stack)!.tier;
      const w = tier.workloads;
      const profile = loadProfile(tier);
      const lines = (plan.outputs.cost as CostEstimate).lineItems.filter((l) => l.item === "node-hours");
      const check = (
        role: "api" | "worker",
        spec: typeof w.api | typeof w.worker,
        cpuTarget: number,
        rateTarget?: number,
      ) => {
        const group = plan.resources.find(
          (r) =>
            r.type === "aws:eks/nodeGroup:NodeGroup" &&
            (r.inputs.labels as Record<string, string>)[ROLE_LABEL] === role,
        )!;
        const s = group.inputs.scalingConfig as { minSize: number; maxSize: number };
        const load = profile[role];
        // The formula on the tier's inputs: demand / (per-core rate × request cores × CPU target), or the per-pod
        // request-rate target if it asks for more, within the ScaledObject's bounds; nodes by the capacity maths.
        const perPod = load.perCoreRate * (spec.pod.cpuRequestMillicores / 1000) * (cpuTarget / 100);
        const asked = Math.max(
          Math.ceil(load.demandPerSecond / perPod),
          rateTarget !== undefined ? Math.ceil(load.demandPerSecond / rateTarget) : 0,
        );
        const pods = Math.min(Math.max(asked, spec.minReplicas), spec.maxReplicas);
        const pod = {
          name: role,
          replicas: pods,
          cpuMillicores: spec.pod.cpuRequestMillicores,
          memoryMiB: spec.pod.memoryRequestMiB,
        };
        const needed = nodesFor([pod], allocatable((group.inputs.instanceTypes as string[])[0]), tier.network.azCount);
        const nodes = Math.min(Math.max(needed, s.minSize), s.maxSize);
        const line = lines.find((l) => l.resource === group.name)!;
        expect(line.attributes).toMatchObject({ drivenBy: `ScaledObject ${role}`, expectedPods: pods });
        expect(line.description).toContain(`ScaledObject ${role} at ${pods} pods`);
        expect(line.quantity.expected).toBe(nodes * 730);
      };
      check("api", w.api, API_CPU_TARGET, w.apiPodRps);
      check("worker", w.worker, WORKER_CPU_TARGET);
    });

    it("the architecture diagram shows the request path and the data services at their declared sizes", () => {
      const tier = stackContext(stack)!.tier;
      const d = buildDiagram(stack, plan.resources);
      const node = (id: string) => d.nodes.find((x) => x.id === id);
      expect(d.edges.map((e) => `${e.from}>${e.to}`)).toEqual(
        expect.arrayContaining(["viewers>cdn", "cdn>alb", "alb>api", "api>redis", "api>pgbouncer", "pgbouncer>rds"]),
      );
      expect(node("api")!.details[0]).toMatch(
        new RegExp(`^(HPA|KEDA) ${tier.workloads.api.minReplicas}-${tier.workloads.api.maxReplicas} pods$`),
      );
      expect(node("rds")!.details[0]).toBe(
        `${tier.database.primary.instanceClass}${tier.database.multiAz ? " Multi-AZ" : ""}`,
      );
      expect(node("redis")!.details).toEqual([
        tier.cache.instanceClass,
        expect.stringContaining(`= ${tier.cache.nodes} nodes`),
      ]);
      if (tier.search === null) expect(node("search")).toBeUndefined();
      else expect(node("search")!.details[0]).toBe(`${tier.search.instanceClass} × ${tier.search.dataNodes}`);
      const svg = renderSvg(d);
      const mermaid = renderMermaid(d);
      for (const x of d.nodes) {
        expect(svg).toContain(`<g class="node" data-id="${x.id}">`);
        expect(mermaid).toContain(`    ${x.id}["<b>`);
      }
      for (const e of d.edges) expect(svg).toContain(`data-from="${e.from}" data-to="${e.to}"`);
      // The README shows v1's: regenerate with npm run plan -- --stack v1 --diagram docs/architecture-v1.svg
      if (stack === "v1")
        expect(readFileSync(join(__dirname, "..", "..", "docs", "architecture-v1.svg"), "utf8")).toBe(`${svg}\n`);
    });

    it("every log RDS exports goes to a declared log group with a retention, so it expires and is priced", () => {
      const groups = new Map(
        plan.resources
          .filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup")
          .map((g) => [g.inputs.name as string, g.inputs.retentionInDays as number | undefined]),
      );
      const exports = plan.resources
        .filter((r) => r.type === "aws:rds/instance:Instance")
        .flatMap((db) =>
          (db.inputs.enabledCloudwatchLogsExports as string[]).map(
            (t) => `/aws/rds/instance/${db.inputs.identifier as string}/${t}`,
          ),
        );
      expect(exports.length).toBeGreaterThan(0);
      for (const name of exports)
        expect({ name, retention: groups.get(name) }).toEqual({ name, retention: expect.any(Number) });
      const storage = (plan.outputs.cost as CostEstimate).lineItems.find((l) => l.item === "log-storage/database")!;
      expect(storage.attributes!.retentionDays).toBe(Math.max(...exports.map((name) => groups.get(name) ?? 365)));
    });

    it("each log source is priced on its own resource, in its own component, with the tier's volume for it", () => {
      const tier = stackContext(stack)!.tier;
      const lines = (plan.outputs.cost as CostEstimate).lineItems.filter((l) => l.item?.startsWith("log-ingest/"));
      const bySource = Object.fromEntries(lines.map((l) => [l.item!.slice("log-ingest/".length), l]));
      const expected: Record<string, [string, number]> = {
        flowLogs: ["storyforge:network:Network", tier.usage.flowLogGb],
        controlPlane: ["storyforge:compute:Cluster", tier.usage.controlPlaneLogGb],
        database: ["storyforge:data:Database", tier.usage.databaseLogGb],
        ...(tier.search !== null ? { search: ["storyforge:data:Search", tier.usage.searchLogGb] } : {}),
      };
      for (const [source, [component, gb]] of Object.entries(expected))
        expect({ source, component: bySource[source]?.component, gb: bySource[source]?.quantity.expected }).toEqual({
          source,
          component,
          gb,
        });
      // Flow logs go to CloudWatch by default: their group is the flow log's destination.
      expect(bySource.flowLogs.type).toBe("aws:cloudwatch/logGroup:LogGroup");
    });

    it("stays within the tier's budget", () => {
      const result = checkBudget(plan.outputs.cost as CostEstimate, stackContext(stack)!.tier);
      expect(result).toEqual({ ok: true, message: expect.any(String) });
    });
  });
}

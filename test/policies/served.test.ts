/**
 * The pack as `pulumi preview --policy-pack policies` starts it: @pulumi/pulumi's cmd/run-policy-pack, with the pack's
 * folder as working directory (tools/plan/engine/policy-host.ts), asked over gRPC what the engine asks it. What it
 * reports for the real v1 plan must be exactly what the offline evaluator (policies/evaluate.ts) reports.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluatePolicies, type Finding, stackPolicyConfig, urnOf } from "../../policies/evaluate";
import { buildPolicies } from "../../policies/pack";
import { enforcementFor } from "../../policies/tier";
import { ALL_RULES } from "../../policies/rules";
import {
  type AnalyzedResource,
  analyzeRequest,
  analyzeStackRequest,
  ask,
  configurePolicies,
  type Diagnostic,
  diagnosticsOf,
  ENFORCEMENT,
  type StartedPack,
  startPolicyPack,
} from "../../tools/plan/engine/policy-host";
import { loadProtos } from "../../tools/plan/engine/protos";
import { type Plan, planStack, REPO_ROOT } from "../../tools/plan/harness";
import { PLAN_TIMEOUT_MS } from "../support/plan";

const POLICIES = join(REPO_ROOT, "policies");
const STACK = "v1";
const protos = loadProtos(POLICIES);

let pack: StartedPack;
let plan: Plan;
let info: Awaited<ReturnType<typeof getInfo>>;

function getInfo() {
  return ask.info(pack.client, protos.empty);
}

/** The plan's resources as the engine sends them: properties are the inputs plus the id the mocks answered. */
function analyzed(p: Plan): AnalyzedResource[] {
  const typeOf = new Map(p.resources.map((r) => [r.name, r.type]));
  const urn = (name: string) => urnOf(p.stack, typeOf.get(name) ?? "", name);
  return p.resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: urn(r.name),
    properties: { id: `${r.name}-id`, ...r.inputs },
    parentUrn: r.parent === null ? undefined : urn(r.parent),
    dependencies: r.dependencies.map(urn),
    protect: r.options.protect,
    ignoreChanges: r.options.ignoreChanges,
  }));
}

async function served(p: Plan): Promise<Diagnostic[]> {
  const resources = analyzed(p);
  const diagnostics: Diagnostic[] = [];
  for (const r of resources) {
    diagnostics.push(...diagnosticsOf(await ask.analyze(pack.client, analyzeRequest(protos, r))));
  }
  const stack = await ask.analyzeStack(pack.client, analyzeStackRequest(protos, resources));
  return [...diagnostics, ...diagnosticsOf(stack)];
}

const asLines = (findings: Array<{ policy: string; enforcement: string; message: string }>) =>
  findings.map((f) => `[${f.enforcement}] ${f.policy}: ${f.message}`).sort();

beforeAll(async () => {
  plan = await planStack(STACK);
  pack = await startPolicyPack(protos, POLICIES, {
    stack: STACK,
    project: "storyforge",
    organization: "organization",
    dryRun: true,
    config: { "storyforge:tier": STACK, "aws:region": "us-east-1" },
  });
  info = await getInfo();
  await configurePolicies(
    protos,
    pack.client,
    info,
    JSON.parse(readFileSync(join(POLICIES, `config.${STACK}.json`), "utf8")),
  );
}, PLAN_TIMEOUT_MS);
afterAll(async () => pack?.stop());

test("the pack serves from its own folder: a port on stdout, then its name, package.json version and every rule at v1's level", () => {
  expect(pack.port).toBeGreaterThan(0);
  expect(pack.command.cwd).toBe(POLICIES);
  const version = (JSON.parse(readFileSync(join(POLICIES, "package.json"), "utf8")) as { version: string }).version;
  expect(info.getName()).toBe("storyforge");
  expect(info.getVersion()).toBe(version);
  const levels = info.getPoliciesList().map((p) => [p.getName(), ENFORCEMENT[p.getEnforcementlevel()]]);
  expect(levels.sort()).toEqual(ALL_RULES.map((r) => [r.name, enforcementFor(r.level, STACK)]).sort());
  expect(levels).toHaveLength(buildPolicies(STACK).length);
});

test("Analyze of an untagged S3 bucket reports the required-tags rule as mandatory", async () => {
  const res = await ask.analyze(
    pack.client,
    analyzeRequest(protos, {
      type: "aws:s3/bucket:Bucket",
      name: "untagged",
      urn: urnOf(STACK, "aws:s3/bucket:Bucket", "untagged"),
      properties: { bucket: "untagged", tags: {} },
    }),
  );
  expect(diagnosticsOf(res).map((d) => `${d.enforcement} ${d.policy}`)).toContain("mandatory aws-required-tags");
});

test(
  "over the real v1 plan, Analyze of every resource and AnalyzeStack report exactly what the offline evaluator reports",
  async () => {
    const offline: Finding[] = evaluatePolicies(plan, STACK, { config: stackPolicyConfig(STACK) });
    expect(asLines(await served(plan))).toEqual(asLines(offline));
  },
  PLAN_TIMEOUT_MS,
);

test(
  "AnalyzeStack reports a stack rule's violation the offline evaluator also finds (Redis queues without noeviction)",
  async () => {
    const broken: Plan = {
      ...plan,
      resources: plan.resources.map((r) =>
        r.type === "aws:elasticache/parameterGroup:ParameterGroup"
          ? {
              ...r,
              inputs: {
                ...r.inputs,
                parameters: (r.inputs.parameters as Array<{ name: string; value: string }>).map((p) =>
                  p.name === "maxmemory-policy" ? { ...p, value: "allkeys-lru" } : p,
                ),
              },
            }
          : r,
      ),
    };
    const offline = evaluatePolicies(broken, STACK, { config: stackPolicyConfig(STACK) });
    expect(offline.some((f) => f.enforcement === "mandatory")).toBe(true);
    expect(asLines(await served(broken))).toEqual(asLines(offline));
  },
  PLAN_TIMEOUT_MS,
);

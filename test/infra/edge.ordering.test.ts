/**
 * Readiness gates are injected only into pods created while the controller's webhook runs and a TargetGroupBinding
 * refers to their Service: the explicit `dependsOn` that order the API after both. The plan JSON does not carry
 * resource options yet, so this evaluates the program under the same strict mocks and records them itself.
 */
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { readStackFile, REPO_ROOT } from "../../tools/plan/harness";
import { StrictMocks } from "../../tools/plan/mocks";
import { PROJECT } from "../../stacks/config";
import { PLAN_TIMEOUT_MS } from "../support/plan";

interface Registered {
  type: string;
  name: string;
  dependsOn: string[];
}

async function registrations(stack: string): Promise<Registered[]> {
  const { values } = readStackFile(stack);
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
  );
  await pulumi.runtime.setMocks(new StrictMocks({ region: "us-east-1" }), PROJECT, stack, false);
  const names = new Map<pulumi.Resource, string>();
  const seen: Array<{ type: string; name: string; dependsOn: unknown }> = [];
  await pulumi.runtime.runInPulumiStack(() => {
    pulumi.runtime.registerStackTransformation((args) => {
      names.set(args.resource, args.name);
      seen.push({ type: args.type, name: args.name, dependsOn: args.opts.dependsOn });
      return undefined;
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(join(REPO_ROOT, "infra", "index.ts"));
    return Promise.resolve(undefined);
  });
  const out: Registered[] = [];
  for (const r of seen) {
    // The program passes plain resources (never Outputs) to dependsOn.
    const list = (
      r.dependsOn === undefined ? [] : Array.isArray(r.dependsOn) ? r.dependsOn : [r.dependsOn]
    ) as unknown[];
    if (!list.every((d) => pulumi.Resource.isInstance(d))) throw new Error(`${r.name}: dependsOn holds a non-resource`);
    out.push({ type: r.type, name: r.name, dependsOn: list.map((d) => names.get(d) ?? "?") });
  }
  await pulumi.runtime.disconnect();
  return out;
}

describe("v2: the API waits for what injects its readiness gates", () => {
  let all: Registered[];
  const named = (name: string) => all.find((r) => r.name === name)!;
  beforeAll(async () => {
    all = await registrations("v2");
  }, PLAN_TIMEOUT_MS);

  it("the API Deployment rolls out after its TargetGroupBinding and the Load Balancer Controller release (webhook)", () => {
    expect(named("workloads-api").dependsOn).toEqual(
      expect.arrayContaining(["workloads-api-binding", "addons-aws-load-balancer-controller"]),
    );
  });

  it("the TargetGroupBinding waits for the controller (CRD, webhooks) and its permission to register in the target group", () => {
    expect(named("workloads-api-binding").dependsOn).toEqual(
      expect.arrayContaining(["addons-aws-load-balancer-controller", "load-balancer-controller-registers"]),
    );
  });
});

import { allocatable } from "../../infra/lib/capacity";
import { labelTime, repositoryOf } from "../../infra/components/preview";
import { type ConfigError, resolveStackConfig } from "../../stacks/config";
import { resolvePreviewConfig } from "../../stacks/preview/config";
import { previewCost } from "../../infra/lib/cost/preview";
import { checkQuota, PREVIEW_SPEC, type PreviewSpec, steadyPods } from "../../stacks/preview/spec";

const CLASSES = { system: "m7g.large", api: "c7g.xlarge", worker: "m7g.xlarge" } as const;

describe("preview quota", () => {
  test("the shipped quota admits the preview at a rollout (every pod, two surge pods, the migrations Job)", () => {
    expect(checkQuota(PREVIEW_SPEC)).toEqual([]);
  });

  test("a quota too small for a rollout is named with the figure it needs", () => {
    const spec: PreviewSpec = structuredClone(PREVIEW_SPEC);
    spec.quota.requestsCpuMillicores = 1000;
    spec.quota.pods = 5;
    expect(checkQuota(spec)).toEqual([
      "quota.requestsCpuMillicores is 1000, the preview needs 1450 at a rollout",
      "quota.pods is 5, the preview needs 7 at a rollout",
    ]);
  });

  test("a pod whose limits exceed the LimitRange maximum is named", () => {
    const spec: PreviewSpec = structuredClone(PREVIEW_SPEC);
    spec.worker.pod.memoryLimitMiB = 4096;
    expect(checkQuota(spec)).toContain("worker limits exceed the LimitRange maximum (2000m, 2048Mi)");
  });
});

describe("preview incremental cost", () => {
  test("each pod is priced at its node group's rate for the larger of its CPU and memory shares", () => {
    const cost = previewCost(CLASSES, "us-east-1");
    const node = allocatable("m7g.large");
    const pg = PREVIEW_SPEC.postgres.pod;
    const share = Math.max(pg.cpuRequestMillicores / node.cpuMillicores, pg.memoryRequestMiB / node.memoryMiB);
    // m7g.large on-demand us-east-1 (infra/lib/cost/prices.json) × 730 h.
    const line = cost.lines.find((l) => l.item.startsWith("postgres"))!;
    expect(line.monthlyUsd).toBeCloseTo(0.0816 * share * 730, 1);
    expect(cost.lines.map((l) => l.item)).toEqual([
      ...steadyPods().map((p) => `${p.name} pod (${p.role} nodes)`),
      "volumes",
    ]);
  });

  test("the total is the sum of its lines", () => {
    const cost = previewCost(CLASSES, "us-east-1");
    expect(cost.monthlyUsd).toBeCloseTo(
      cost.lines.reduce((t, l) => t + l.monthlyUsd, 0),
      2,
    );
  });

  test("a region outside the catalog is reported unpriced, never zero", () => {
    const cost = previewCost(CLASSES, "eu-west-1");
    expect(cost.lines).toEqual([]);
    expect(cost.unpriced).toHaveLength(5);
    expect(cost.unpriced[0]).toContain("region eu-west-1 is not in the catalog");
  });
});

describe("preview config", () => {
  const valid = {
    "aws:region": "us-east-1",
    "storyforge:tier": "preview",
    "storyforge:baseStack": "organization/storyforge/v1",
    "storyforge:previewDomain": "preview.example.com",
  };
  const resolve = (values: Record<string, unknown>, stack = "preview-x") =>
    resolvePreviewConfig({ stack, stackFile: `Pulumi.${stack}.yaml`, values });
  const problems = (values: Record<string, unknown>, stack?: string) => {
    try {
      resolve(values, stack);
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  test("a valid template resolves, the stack name being the namespace", () => {
    expect(resolve(valid)).toMatchObject({
      stack: "preview-x",
      baseStack: "organization/storyforge/v1",
      domain: "preview.example.com",
      region: "us-east-1",
    });
  });

  test("declared defaults of tier keys (as the engine passes them) are accepted", () => {
    expect(() => resolve({ ...valid, "storyforge:apiNodes": "-1", "storyforge:dbMultiAz": "" })).not.toThrow();
  });

  test("a tier setting on a preview is an error naming the key", () => {
    expect(problems({ ...valid, "storyforge:apiNodes": 5 })).toEqual([
      "Pulumi.preview-x.yaml: storyforge:apiNodes is a tier setting and has no effect on a preview stack (it uses storyforge:baseStack's cluster); remove it",
    ]);
  });

  test("unknown keys, a bad base stack, a bad domain and a bad stack name are each named", () => {
    const found = problems(
      {
        ...valid,
        "storyforge:baseStak": "x",
        "storyforge:baseStack": "v1",
        "storyforge:previewDomain": "Not A Domain",
      },
      "Preview_X",
    );
    expect(found).toEqual([
      "Pulumi.Preview_X.yaml: unknown config key storyforge:baseStak (did you mean storyforge:baseStack?)",
      'Pulumi.Preview_X.yaml: storyforge:baseStack must name the base stack as org/project/stack (e.g. organization/storyforge/v1), got "v1"',
      'Pulumi.Preview_X.yaml: storyforge:previewDomain must be a DNS zone such as preview.example.com, got "Not A Domain"',
      'Pulumi.Preview_X.yaml: the stack name "Preview_X" is not a valid namespace name (a DNS-1123 label)',
    ]);
  });

  test("the tier loader refuses a preview stack and points at the preview loader", () => {
    expect(() => resolveStackConfig({ stack: "preview", stackFile: "Pulumi.preview.yaml", values: valid })).toThrow(
      "storyforge:tier is preview: a preview stack is read by resolvePreviewConfig",
    );
  });
});

describe("preview helpers", () => {
  test("the base stack's repository is read from its image reference", () => {
    expect(repositoryOf("123456789012.dkr.ecr.us-east-1.amazonaws.com/storyforge-v1-app@sha256:abc")).toBe(
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/storyforge-v1-app",
    );
    expect(repositoryOf("123456789012.dkr.ecr.us-east-1.amazonaws.com/storyforge-v1-app:src-1")).toBe(
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/storyforge-v1-app",
    );
    expect(() => repositoryOf("nginx:1.27")).toThrow('must be an ECR image reference, got "nginx:1.27"');
  });

  test("deploy times become label-safe", () => {
    expect(labelTime("2026-11-23T12:00:00.000Z")).toBe("20261123T120000Z");
    expect(labelTime("")).toBe("");
  });
});

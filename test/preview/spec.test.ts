import { allocatable } from "../../infra/lib/capacity";
import { repositoryOf } from "../../previews/components/base-stack";
import { labelTime } from "../../previews/components/namespace";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { type ConfigError, resolveStackConfig } from "../../stacks/config";
import { PREVIEW_CONFIG_KEYS, PREVIEW_PROJECT, resolvePreviewConfig } from "../../stacks/preview/config";
import { renderPreviewProjectFile } from "../../tools/gen/project-config";
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
    "storyforge-preview:baseStack": "organization/storyforge/v1",
    "storyforge-preview:domain": "preview.example.com",
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
      project: "storyforge-preview",
      stack: "preview-x",
      baseStack: "organization/storyforge/v1",
      domain: "preview.example.com",
      region: "us-east-1",
    });
  });

  test("the keys are the previews project's: branch, commit, owner and deploy time as `up` sets them", () => {
    expect(
      resolve({
        ...valid,
        "storyforge-preview:branch": "feature/x",
        "storyforge-preview:commit": "abc",
        "storyforge-preview:owner": "jane@example.com",
        "storyforge-preview:deployedAt": "2026-11-23T12:00:00.000Z",
      }),
    ).toMatchObject({ branch: "feature/x", commit: "abc", deployedBy: "jane@example.com" });
  });

  test("a tier setting on a preview is an error naming the key, whatever its value", () => {
    expect(problems({ ...valid, "storyforge:apiNodes": 5, "storyforge:dbMultiAz": "" })).toEqual([
      "Pulumi.preview-x.yaml: storyforge:apiNodes is a tier setting and has no effect on a preview stack (it uses storyforge-preview:baseStack's cluster); remove it",
      "Pulumi.preview-x.yaml: storyforge:dbMultiAz is a tier setting and has no effect on a preview stack (it uses storyforge-preview:baseStack's cluster); remove it",
    ]);
  });

  test("a preview key of the tier project (before previews had their own) names the key to use instead", () => {
    expect(problems({ ...valid, "storyforge:tier": "preview", "storyforge:previewDomain": "x.example.com" })).toEqual([
      "Pulumi.preview-x.yaml: storyforge:tier is a tier setting and has no effect on a preview stack (it uses storyforge-preview:baseStack's cluster); remove it",
      "Pulumi.preview-x.yaml: storyforge:previewDomain is a key of the tier project; a preview stack sets storyforge-preview:domain",
    ]);
  });

  test("unknown keys, a bad base stack, a bad domain and a bad stack name are each named", () => {
    const found = problems(
      {
        ...valid,
        "storyforge-preview:baseStak": "x",
        "storyforge-preview:baseStack": "v1",
        "storyforge-preview:domain": "Not A Domain",
      },
      "Preview_X",
    );
    expect(found).toEqual([
      "Pulumi.Preview_X.yaml: unknown config key storyforge-preview:baseStak (did you mean storyforge-preview:baseStack?)",
      'Pulumi.Preview_X.yaml: storyforge-preview:baseStack must name the base stack as org/storyforge/stack (e.g. organization/storyforge/v1), got "v1"',
      'Pulumi.Preview_X.yaml: storyforge-preview:domain must be a DNS zone such as preview.example.com, got "Not A Domain"',
      'Pulumi.Preview_X.yaml: the stack name "Preview_X" is not a valid namespace name (a DNS-1123 label)',
    ]);
  });

  test("the base stack must be a stack of the tier project, not another preview", () => {
    expect(problems({ ...valid, "storyforge-preview:baseStack": "organization/storyforge-preview/preview-a" })).toEqual(
      [
        'Pulumi.preview-x.yaml: storyforge-preview:baseStack must be a stack of the tier project storyforge (org/storyforge/stack), got project "storyforge-preview" in "organization/storyforge-preview/preview-a"',
      ],
    );
  });

  test("the tier loader knows no preview tier: a preview is a stack of the previews project", () => {
    expect(() =>
      resolveStackConfig({
        stack: "preview",
        stackFile: "Pulumi.preview.yaml",
        values: { "aws:region": "us-east-1", "storyforge:tier": "preview" },
      }),
    ).toThrow('Pulumi.preview.yaml: storyforge:tier must be one of mvp, v1, v2, got "preview"');
  });
});

describe("the previews project", () => {
  const repo = join(__dirname, "..", "..");
  const yaml = (path: string) => parse(readFileSync(join(repo, path), "utf8")) as Record<string, any>;

  test("previews/Pulumi.yaml declares exactly the keys the preview loader knows (regenerate with npm run gen:project-config)", () => {
    expect(readFileSync(join(repo, "previews", "Pulumi.yaml"), "utf8")).toBe(renderPreviewProjectFile());
    expect(Object.keys(yaml("previews/Pulumi.yaml").config)).toEqual(PREVIEW_CONFIG_KEYS.map((d) => d.key));
  });

  test("is its own project, run like the tier project, with previews/index.ts as its program", () => {
    const previews = yaml("previews/Pulumi.yaml");
    const tier = yaml("Pulumi.yaml");
    expect(previews.name).toBe(PREVIEW_PROJECT);
    expect(previews.name).not.toBe(tier.name);
    expect(previews.runtime).toEqual(tier.runtime);
    expect(previews.main).toBe("index.ts");
    expect(readFileSync(join(repo, "previews", previews.main as string), "utf8")).toContain("new Preview(");
  });

  test("the tier project declares no preview key", () => {
    const tierKeys = Object.keys(yaml("Pulumi.yaml").config);
    for (const key of [
      "baseStack",
      "previewDomain",
      "previewBranch",
      "previewCommit",
      "previewOwner",
      "previewDeployedAt",
    ])
      expect(tierKeys).not.toContain(key);
  });

  test("the template previews/Pulumi.preview.yaml holds only values the preview loader accepts", () => {
    const values = yaml("previews/Pulumi.preview.yaml").config as Record<string, unknown>;
    expect(resolvePreviewConfig({ stack: "preview", stackFile: "previews/Pulumi.preview.yaml", values })).toMatchObject(
      {
        baseStack: "organization/storyforge/v1",
      },
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

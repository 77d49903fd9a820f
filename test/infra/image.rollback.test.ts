/**
 * A rollback into immutable tags (README: Rolling back): an older checkout's image tag is already in the repository,
 * so with storyforge:imageTag the stack builds nothing and runs the image pushed under that tag, by digest.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { SOURCE_TAG_PREFIX } from "../../infra/components/image";
import { contextHash } from "../../infra/lib/build-context";
import { resolveStackConfig } from "../../stacks/config";
import { type Plan, planStack } from "../../tools/plan/harness";
import { PLAN_TIMEOUT_MS } from "../support/plan";

type Obj = Record<string, any>;
const ROOT = join(__dirname, "..", "..");
const TAG = "src-0123456789abcdef";

describe("with storyforge:imageTag (v1)", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack("v1", { config: { "storyforge:imageTag": TAG } });
  }, PLAN_TIMEOUT_MS);

  test("no image is built or pushed: the repository already holds the tag", () => {
    expect(plan.resources.filter((r) => r.type.startsWith("docker-build:"))).toEqual([]);
    expect(plan.resources.filter((r) => r.type === "aws:ecr/repository:Repository")).toHaveLength(1);
  });

  test("the API, worker and migrations run the digest the repository holds under the tag", () => {
    // What the mocked ECR answers for aws.ecr.getImage of that tag (tools/plan/mocks.ts).
    const pushed = `sha256:${createHash("sha256").update(`pushed:${TAG}`).digest("hex")}`;
    const imageRef = (plan.outputs.app as Obj).imageRef as string;
    expect(imageRef).toMatch(new RegExp(`^\\d+\\.dkr\\.ecr\\.us-east-1\\.amazonaws\\.com/[a-z0-9-]+@${pushed}$`));
    const images = plan.resources
      .filter((r) => r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:batch/v1:Job")
      .flatMap((r) => ((r.inputs as Obj).spec.template.spec.containers as Obj[]).map((c) => c.image as string))
      .filter((image) => image.includes(".dkr.ecr."));
    expect(images.length).toBeGreaterThanOrEqual(3);
    expect(new Set(images)).toEqual(new Set([imageRef]));
  });
});

test("storyforge:imageTag must be a tier image's tag, naming the key and the value", () => {
  expect(() =>
    resolveStackConfig({
      stack: "v1",
      stackFile: "Pulumi.v1.yaml",
      values: { "aws:region": "us-east-1", "storyforge:tier": "v1", "storyforge:imageTag": "latest" },
    }),
  ).toThrow(/Pulumi\.v1\.yaml: storyforge:imageTag must be a tier image's tag, src- and 16 hex digits .*got "latest"/);
});

test(
  "npm run image -- tag prints the tag this checkout's build pushes, which storyforge:imageTag accepts",
  () => {
    const result = spawnSync(
      join(ROOT, "node_modules", ".bin", "tsx"),
      [join(ROOT, "tools", "image", "cli.ts"), "tag"],
      { cwd: ROOT, encoding: "utf8", timeout: PLAN_TIMEOUT_MS },
    );
    expect(result.status).toBe(0);
    const tag = result.stdout.trim();
    expect(tag).toBe(`${SOURCE_TAG_PREFIX}${contextHash(ROOT)}`);
    const config = resolveStackConfig({
      stack: "v1",
      stackFile: "Pulumi.v1.yaml",
      values: { "aws:region": "us-east-1", "storyforge:tier": "v1", "storyforge:imageTag": tag },
    });
    expect(config.imageTag).toBe(tag);
  },
  PLAN_TIMEOUT_MS,
);

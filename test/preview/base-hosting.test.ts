/**
 * A preview only deploys onto a base stack whose Load Balancer Controller serves previews' Ingresses
 * (`cluster.hostsPreviews`, issue 12): planned against v2 (which does not host them), the program stops and says so.
 */
import { planStack } from "../../tools/plan/harness";
import { hostingProblem } from "../../previews/components/base-stack";
import { PLAN_TIMEOUT_MS } from "../support/plan";

const DEPLOYED = {
  "storyforge-preview:branch": "feature/login",
  "storyforge-preview:commit": "0123456789abcdef0123456789abcdef01234567",
  "storyforge-preview:owner": "jane.doe@example.com",
  "storyforge-preview:deployedAt": "2026-11-23T12:00:00.000Z",
};

describe("a preview's base stack", () => {
  test("must host previews: a base whose cluster.hostsPreviews is not true is refused, naming the key to set", () => {
    expect(hostingProblem("organization/storyforge/v1", { hostsPreviews: true })).toBeUndefined();
    for (const hostsPreviews of [false, undefined as unknown as boolean]) {
      expect(hostingProblem("organization/storyforge/v2", { hostsPreviews })).toMatch(
        /^base stack organization\/storyforge\/v2 does not host previews .*storyforge:hostsPreviews: true/,
      );
    }
  });

  test(
    "the preview program stops before touching a cluster whose stack does not host previews (v2)",
    async () => {
      await expect(
        planStack("preview", { config: { ...DEPLOYED, "storyforge-preview:baseStack": "organization/storyforge/v2" } }),
      ).rejects.toThrow(/base stack organization\/storyforge\/v2 does not host previews/);
    },
    PLAN_TIMEOUT_MS,
  );
});

/**
 * The cost chart: per component and in total, one bar per stack at `expected` with a min–max whisker; and the
 * chart the README shows (docs/cost-tiers.svg) is the one the three tiers' plans produce today.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { estimateCost } from "../../infra/lib/cost/estimate";
import { renderCostChart } from "../../tools/cost/chart";
import { planOf } from "../../tools/cost/cli";
import { priceDocument } from "../../tools/cost/sources";
import { NO_USAGE, T, res, usage } from "./support";

const ROOT = join(__dirname, "..", "..");

/** The well-formedness a browser needs: every opened element is closed, in order. */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3] === "/") continue;
    if (m[1] === "/") {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]);
  }
  return stack.length === 0;
}

describe("cost chart", () => {
  const group = (max: number) =>
    res(
      T.nodeGroup,
      "g",
      { instanceTypes: ["c7g.large"], scalingConfig: { minSize: 1, desiredSize: 2, maxSize: max } },
      "cluster",
    );
  const small = estimateCost([res("storyforge:compute:Cluster", "cluster"), group(3)], NO_USAGE);
  const big = estimateCost(
    [res("storyforge:compute:Cluster", "cluster"), group(9), res(T.cdn, "cdn")],
    usage({ cdnEgressGb: 5000 }),
  );
  const svg = renderCostChart([
    { name: "mvp", estimate: small },
    { name: "v1", estimate: big },
  ]);

  it("draws the total and every component, one bar per stack with min, expected and max", () => {
    expect(balanced(svg)).toBe(true);
    expect([...svg.matchAll(/class="group" data-component="([^"]+)"/g)].map((m) => m[1])).toEqual([
      "Total",
      "(stack)",
      "Cluster",
    ]);
    const bar = (series: string, component: string) => {
      const groupText = svg.split(`data-component="${component}"`)[1].split('class="group"')[0];
      const m = new RegExp(
        `class="bar" data-series="${series}" data-min="([\\d.]+)" data-expected="([\\d.]+)" data-max="([\\d.]+)"`,
      ).exec(groupText);
      return m === null ? undefined : m.slice(1).map(Number);
    };
    expect(bar("v1", "Cluster")).toEqual([
      big.byComponent["storyforge:compute:Cluster"].monthly.min,
      big.byComponent["storyforge:compute:Cluster"].monthly.expected,
      big.byComponent["storyforge:compute:Cluster"].monthly.max,
    ]);
    expect(bar("mvp", "Total")).toEqual([small.monthly.min, small.monthly.expected, small.monthly.max]);
    // mvp declares no CloudFront: its (stack) row says so rather than drawing a zero.
    expect(svg).toMatch(/data-component="\(stack\)">[^]*?class="absent" data-series="mvp"/);
  });

  it("docs/cost-tiers.svg (shown in the README) is the chart of today's mvp, v1 and v2 plans", async () => {
    const series = await Promise.all(
      ["mvp", "v1", "v2"].map(async (name) => ({
        name,
        estimate: priceDocument(await planOf(name), { label: name }).estimate,
      })),
    );
    const committed = readFileSync(join(ROOT, "docs", "cost-tiers.svg"), "utf8");
    // Regenerate with: npm run cost -- --chart docs/cost-tiers.svg
    expect(committed).toBe(`${renderCostChart(series)}\n`);
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain("(docs/cost-tiers.svg)");
  }, 240_000);
});

import { checkBudget } from "../../infra/lib/cost/budget";
import { diffEstimates } from "../../tools/cost/diff";
import { estimateCost } from "../../infra/lib/cost/estimate";
import { renderEstimate } from "../../tools/cost/render";
import { TIERS } from "../../stacks/tiers";
import { NO_USAGE, T, res, usage } from "./support";

const db = (instanceClass: string, multiAz = true) =>
  res(T.rds, "database-primary", { instanceClass, allocatedStorage: 1000, storageType: "gp3", multiAz }, "database");
const component = res("storyforge:data:Database", "database");

describe("budget check", () => {
  const tier = { name: "mvp", budget: { monthlyCeilingUsd: 1000, projectionUsd: { low: 500, high: 1000 } } };

  it("passes at or under the ceiling", () => {
    const e = estimateCost([component, db("db.m7g.large", false)], NO_USAGE);
    expect(e.monthly.expected).toBeLessThanOrEqual(1000);
    expect(checkBudget(e, tier)).toEqual({ ok: true, message: expect.stringContaining("within the $1,000.00 budget") });
  });

  it("fails over the ceiling, listing the largest lines first", () => {
    const e = estimateCost([component, db("db.m7g.2xlarge"), res(T.nat, "nat-0")], NO_USAGE);
    const result = checkBudget(e, tier);
    expect(result.ok).toBe(false);
    const lines = result.message.split("\n");
    expect(lines[0]).toMatch(/^mvp: expected \$[\d,.]+\/month is over the \$1,000\.00 budget by \$[\d,.]+\.$/);
    expect(lines[2]).toMatch(/database-primary: Primary instance hours .*\[rds-postgres\/db\.m7g\.2xlarge\]/);
    expect(lines[lines.length - 1]).toMatch(/nat-0/);
  });
});

describe("Markdown diff", () => {
  const before = estimateCost(
    [component, db("db.m7g.xlarge"), res(T.nat, "nat-0"), res(T.nat, "nat-1")],
    usage({ natProcessedGb: 100 }),
    { stack: "mvp" },
  );
  const after = estimateCost(
    [component, db("db.m7g.2xlarge"), res(T.nat, "nat-0"), res(T.cdn, "cdn")],
    usage({ natProcessedGb: 100, cdnEgressGb: 1000 }),
    { stack: "v1" },
  );
  const md = diffEstimates(before, after);

  it("prints min, expected and max totals with the change", () => {
    expect(md).toContain("### Monthly cost: mvp → v1");
    expect(md).toContain(
      `| expected | $${before.monthly.expected.toLocaleString("en-US", { minimumFractionDigits: 2 })} |`,
    );
    expect(md).toMatch(/\| min \| .* \| .* \| \+\$[\d,.]+ \(\+\d+%\) \|/);
  });

  it("shows a class change as one changed line, and lines added and removed", () => {
    expect(md).toMatch(
      /\| ~ \| Database \| database-primary \| Primary instance hours \| `rds-postgres\/db\.m7g\.xlarge → rds-postgres\/db\.m7g\.2xlarge` \|/,
    );
    expect(md).toMatch(/\| \+ \| \(stack\) \| cdn \| Data transfer out, first 10tb \|/);
    expect(md).toMatch(/\| - \| \(stack\) \| nat-1 \| NAT gateway hours \|/);
    expect(md).toMatch(
      /\*\*\d+ added, 1 removed, 1 changed\*\* by resources; \d+ moved by usage assumptions \(\d+ unchanged\)/,
    );
  });

  it("matches lines whose details in parentheses differ, such as node counts", () => {
    const two = estimateCost(
      [res(T.redis, "cache-redis", { nodeType: "cache.m7g.large", numNodeGroups: 1, replicasPerNodeGroup: 1 })],
      NO_USAGE,
      { stack: "mvp" },
    );
    const three = estimateCost(
      [res(T.redis, "cache-redis", { nodeType: "cache.m7g.xlarge", numNodeGroups: 1, replicasPerNodeGroup: 2 })],
      NO_USAGE,
      { stack: "v1" },
    );
    expect(diffEstimates(two, three)).toMatch(
      /\| ~ \| \(stack\) \| cache-redis \| Cache node hours \| `elasticache-redis\/cache\.m7g\.large → elasticache-redis\/cache\.m7g\.xlarge` \|/,
    );
  });

  it("an identical pair has no changed lines", () => {
    expect(diffEstimates(before, before)).toContain("**0 added, 0 removed, 0 changed**");
  });
});

describe("table report", () => {
  it("groups by component and puts the budget and the seed's projection beside the total", () => {
    const e = estimateCost([component, db("db.m7g.xlarge"), res(T.nat, "nat-0")], TIERS.mvp.usage, { stack: "mvp" });
    const text = renderEstimate(e, TIERS.mvp);
    expect(text).toMatch(/^storyforge:data:Database$/m);
    expect(text).toMatch(/^\(stack\)$/m);
    expect(text).toContain("Seed 000 §8.2 projection for mvp: $2,000.00 - $3,000.00 per month");
    expect(text).toContain("Budget ceiling $3,000.00: OK");
    expect(text).toMatch(/natProcessedGb\s+300/);
  });
});

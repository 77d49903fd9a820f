import { estimateCost } from "../../infra/lib/cost/estimate";
import { computeDiff, diffEstimates } from "../../tools/cost/diff";
import { COMMENT_MARKER } from "../../tools/cost/markdown";
import { NO_USAGE, T, res, usage } from "./support";

const primary = (inputs: Record<string, unknown> = {}) =>
  res(
    T.rds,
    "database-primary",
    { instanceClass: "db.m7g.2xlarge", allocatedStorage: 1000, storageType: "gp3", multiAz: false, ...inputs },
    "database",
  );
const component = res("storyforge:data:Database", "database");
const group = (scaling: Record<string, number>, type = "c7g.xlarge") =>
  res(T.nodeGroup, "cluster-api", { instanceTypes: [type], scalingConfig: scaling });

/** The Markdown table row of `resource`'s line titled `item`. */
function row(md: string, resource: string, item: string): string {
  const found = md.split("\n").find((l) => l.includes(`| ${resource} | ${item} |`));
  if (found === undefined) throw new Error(`no row for ${resource} ${item} in:\n${md}`);
  return found;
}

describe("cost diff: lines matched on resource + item, with what changed", () => {
  it("switching Multi-AZ on reads as one changed line per item that says multiAz false → true", () => {
    const before = estimateCost([component, primary({ multiAz: false })], NO_USAGE);
    const after = estimateCost([component, primary({ multiAz: true })], NO_USAGE);
    const md = diffEstimates(before, after);
    expect(row(md, "database-primary", "Primary instance hours")).toMatch(/^\| ~ \|.*\| multiAz false → true \|/);
    expect(row(md, "database-primary", "Storage")).toMatch(/\| multiAz false → true \|/);
    expect(md).toContain("**0 added, 0 removed, 2 changed** by resources");
  });

  it("the backup line is one changed line when its free allowance moves, not one added and one removed", () => {
    const before = estimateCost([primary({ allocatedStorage: 500 })], usage({ dbBackupGb: 3000 }));
    const after = estimateCost([primary({ allocatedStorage: 1000 })], usage({ dbBackupGb: 3000 }));
    const diff = computeDiff(before, after);
    const backup = diff.rows.filter((r) => (r.to ?? r.from)!.sku === "rds/backup-storage");
    expect(backup.map((r) => [r.mark, r.cause, r.attributes])).toEqual([
      ["~", "resource", [{ name: "freeAllowanceGb", from: 500, to: 1000 }]],
    ]);
    expect(diffEstimates(before, after)).toMatch(/\| ~ \|.*\| freeAllowanceGb 500 → 1,000 \|/);
  });

  it("a class change is one changed line naming both SKUs and the class", () => {
    const md = diffEstimates(
      estimateCost([primary({ instanceClass: "db.m7g.xlarge" })], NO_USAGE),
      estimateCost([primary({ instanceClass: "db.m7g.4xlarge" })], NO_USAGE),
    );
    expect(row(md, "database-primary", "Primary instance hours")).toContain(
      "| `rds-postgres/db.m7g.xlarge → rds-postgres/db.m7g.4xlarge` | instanceClass db.m7g.xlarge → db.m7g.4xlarge |",
    );
  });

  it("shows min / expected / max per line when autoscaling bounds move", () => {
    const before = estimateCost([group({ minSize: 5, desiredSize: 5, maxSize: 5 })], NO_USAGE);
    const after = estimateCost([group({ minSize: 3, desiredSize: 5, maxSize: 15 })], NO_USAGE);
    const diff = computeDiff(before, after);
    const hours = diff.rows.find((r) => r.to!.item === "node-hours")!;
    expect(hours.attributes.map((a) => a.name)).toEqual(["minSize", "maxSize"]);
    expect(hours.delta.expected).toBe(0);
    expect(hours.delta.min).toBeLessThan(0);
    expect(hours.delta.max).toBeGreaterThan(0);
    // Each cell holds min / expected / max: the change is invisible in `expected` alone.
    expect(row(diffEstimates(before, after), "cluster-api", "Node instance hours")).toMatch(
      /\| \$529\.25 \| \$317\.55 \/ \$529\.25 \/ \$1,587\.75 \| -\$211\.70 \/ \$0\.00 \/ \+\$1,058\.50 \|$/,
    );
  });

  it("keeps usage-assumption changes apart from resource changes", () => {
    const stack = [res(T.nat, "nat-0"), res(T.cdn, "cdn"), primary()];
    const before = estimateCost(stack, usage({ natProcessedGb: 1000, cdnEgressGb: 5000 }));
    const after = estimateCost(stack, usage({ natProcessedGb: 2000, cdnEgressGb: 20_000 }));
    const diff = computeDiff(before, after);
    expect(diff.rows.filter((r) => r.cause === "resource")).toEqual([]);
    expect(diff.rows.map((r) => (r.to ?? r.from)!.sku).sort()).toEqual([
      "cloudfront/data-out-first-10tb",
      "cloudfront/data-out-next-40tb",
      "vpc/nat-gateway-data",
    ]);
    expect(diff.usage).toEqual([
      { key: "cdnEgressGb", from: 5000, to: 20_000 },
      { key: "natProcessedGb", from: 1000, to: 2000 },
    ]);
    const md = diffEstimates(before, after);
    expect(md).toContain("**0 added, 0 removed, 0 changed** by resources; 3 moved by usage assumptions");
    expect(md).not.toContain("#### Resource changes");
    expect(md).toMatch(/#### Usage assumptions\n\n\| Assumption \(per month\) \| before \| after \|/);
    expect(md).toContain("| natProcessedGb | 1,000 | 2,000 |");
    expect(md).toMatch(/\| ~ \| nat-0 \| Data processed \| `vpc\/nat-gateway-data` \| natProcessedGb \|/);
  });

  it("inter-AZ transfer moving with albProcessedGb is a usage change, a different zone count a resource change", () => {
    const zones = (n: number) =>
      res(T.nodeGroup, "g", {
        instanceTypes: ["c7g.large"],
        subnetIds: Array.from({ length: n }, (_, i) => `s-${i}`),
        scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 1 },
      });
    const cache = res(T.redis, "cache", { nodeType: "cache.m7g.large", numNodeGroups: 1, replicasPerNodeGroup: 1 });
    const base = estimateCost([zones(3), cache], usage({ albProcessedGb: 300 }));
    const busier = computeDiff(base, estimateCost([zones(3), cache], usage({ albProcessedGb: 3000 })));
    expect(busier.rows.map((r) => [r.to!.sku, r.cause])).toEqual([["transfer/inter-az", "usage"]]);
    const wider = computeDiff(base, estimateCost([zones(2), cache], usage({ albProcessedGb: 300 })));
    const transfer = wider.rows.find((r) => r.to!.sku === "transfer/inter-az")!;
    expect([transfer.cause, transfer.attributes]).toEqual(["resource", [{ name: "zones", from: 3, to: 2 }]]);
  });

  it("a resource change and a usage change in one diff land in their own tables", () => {
    const before = estimateCost([res(T.nat, "nat-0"), primary()], usage({ natProcessedGb: 1000 }));
    const after = estimateCost([res(T.nat, "nat-0"), primary({ multiAz: true })], usage({ natProcessedGb: 3000 }));
    const diff = computeDiff(before, after);
    expect(diff.rows.map((r) => [r.to!.sku, r.cause])).toEqual([
      ["rds-postgres/db.m7g.2xlarge", "resource"],
      ["rds/gp3-storage", "resource"],
      ["vpc/nat-gateway-data", "usage"],
    ]);
  });

  it("the GitHub and GitLab comment bodies start with the marker CI finds its comment by", () => {
    const e = estimateCost([primary()], NO_USAGE);
    expect(diffEstimates(e, e, { format: "github" }).split("\n")[0]).toBe(COMMENT_MARKER);
    expect(diffEstimates(e, e, { format: "gitlab" }).split("\n")[0]).toBe(COMMENT_MARKER);
    expect(diffEstimates(e, e).split("\n")[0]).not.toBe(COMMENT_MARKER);
  });
});

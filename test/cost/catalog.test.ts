import catalogJson from "../../infra/lib/cost/prices.json";
import { DEFAULT_CATALOG, lookupPrice, parseCatalog } from "../../infra/lib/cost/catalog";
import { TIERS, TIER_NAMES } from "../../stacks/tiers";

describe("price catalog", () => {
  it("every entry names its unit and the AWS pricing page it comes from, and the catalog is dated", () => {
    expect(DEFAULT_CATALOG.catalogDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(DEFAULT_CATALOG.region).toBe("us-east-1");
    for (const [sku, entry] of Object.entries(DEFAULT_CATALOG.prices)) {
      expect({ sku, source: entry.source }).toEqual({
        sku,
        source: expect.stringMatching(/https:\/\/aws\.amazon\.com\//),
      });
      expect(entry.unit).not.toBe("");
    }
  });

  it("has a price for every class the tier table names", () => {
    const missing: string[] = [];
    for (const name of TIER_NAMES) {
      const t = TIERS[name];
      const skus = [
        `ec2/${t.compute.api.instanceClass}`,
        `ec2/${t.compute.workers.instanceClass}`,
        `rds-postgres/${t.database.primary.instanceClass}`,
        `rds-postgres/${t.database.replicas.instanceClass}`,
        `elasticache-redis/${t.cache.instanceClass}`,
        ...(t.search ? [`opensearch/${t.search.instanceClass}`, `opensearch/${t.search.masterInstanceClass}`] : []),
      ];
      for (const sku of skus) if (!(sku in DEFAULT_CATALOG.prices)) missing.push(`${name}: ${sku}`);
    }
    expect(missing).toEqual([]);
  });

  it("rejects a price that is not a non-negative number, naming the SKU", () => {
    const bad = {
      ...catalogJson,
      prices: { "ec2/x.large": { unit: "hours", price: "0.1", source: "https://aws.amazon.com/ec2/pricing/" } },
    };
    expect(() => parseCatalog(bad)).toThrow('catalog price `ec2/x.large` must be a number >= 0, got "0.1"');
  });

  it("answers why when there is no price", () => {
    expect(lookupPrice(DEFAULT_CATALOG, "ec2/m7g.large", "eu-west-1")).toEqual({
      unpriced: expect.stringContaining("region eu-west-1"),
    });
    expect(lookupPrice(DEFAULT_CATALOG, "ec2/nope.large", "us-east-1")).toEqual({
      unpriced: "SKU ec2/nope.large is not in the catalog",
    });
  });
});

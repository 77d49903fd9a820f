import { DEFAULT_CATALOG } from "../../infra/lib/cost/catalog";
import { INSTANCE_CLASSES, ec2Shape, knownClasses, parseInstanceClasses, rdsMemoryGiB } from "../../stacks/instances";
import { TIERS, TIER_NAMES } from "../../stacks/tiers";

describe("instance catalog", () => {
  it("every class a tier uses is catalogued with its price", () => {
    for (const name of TIER_NAMES) {
      const t = TIERS[name];
      expect(knownClasses("ec2")).toEqual(
        expect.arrayContaining([t.compute.api.instanceClass, t.compute.workers.instanceClass]),
      );
      expect(knownClasses("rds-postgres")).toEqual(
        expect.arrayContaining([t.database.primary.instanceClass, t.database.replicas.instanceClass]),
      );
    }
  });

  it("the cost catalog prices each instance class at the catalog's hourly rate", () => {
    for (const [sku, entry] of Object.entries(INSTANCE_CLASSES)) {
      expect(DEFAULT_CATALOG.prices[sku]).toEqual(expect.objectContaining({ unit: "hours", price: entry.usdPerHour }));
    }
  });

  it("EC2 shapes follow the family's memory per vCPU and RDS memory comes from the same entry", () => {
    expect(ec2Shape("c7g.large")).toEqual({ vcpu: 2, memoryGiB: 4, enis: 3, ipsPerEni: 10 });
    expect(ec2Shape("r7g.4xlarge")).toEqual({ vcpu: 16, memoryGiB: 128, enis: 8, ipsPerEni: 30 });
    expect(rdsMemoryGiB("db.m7g.xlarge")).toBe(16);
  });

  it("an unknown class is an error naming it and the known ones", () => {
    expect(() => ec2Shape("x9z.huge")).toThrow(/"x9z.huge" is not in the instance catalog \(known: .*c7g\.large/);
    expect(() => rdsMemoryGiB("db.x9.huge")).toThrow(/"db.x9.huge"/);
  });

  it("an entry without the shape its service needs, or without a price, is refused", () => {
    const priced = { usdPerHour: 0.1, source: "page" };
    expect(() => parseInstanceClasses({ "ec2/m7g.large": { ...priced, vcpu: 2, memoryGiB: 8, enis: 3 } })).toThrow(
      "instance class `ec2/m7g.large`: ipsPerEni must be a number > 0, got undefined",
    );
    expect(() =>
      parseInstanceClasses({ "rds-postgres/db.m7g.large": { vcpu: 2, memoryGiB: 8, source: "page" } }),
    ).toThrow(/usdPerHour must be a number > 0/);
    expect(parseInstanceClasses({ "opensearch/m7g.large.search": priced })).toEqual({
      "opensearch/m7g.large.search": priced,
    });
  });
});

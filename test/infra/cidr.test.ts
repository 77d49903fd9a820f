import fc from "fast-check";
import { blockSize, contains, formatCidr, overlaps, parseCidr, planSubnets } from "../../infra/lib/cidr";

describe("CIDR arithmetic", () => {
  it("parses and formats IPv4 blocks", () => {
    expect(formatCidr(parseCidr("10.20.0.0/16"))).toBe("10.20.0.0/16");
    expect(blockSize(22)).toBe(1024);
  });

  it.each(["10.0.0.0", "10.0.0.300/16", "10.0.0.0/33", "ten/8"])("rejects %p as not a CIDR block", (text) => {
    expect(() => parseCidr(text)).toThrow(/is not an IPv4 CIDR block/);
  });

  it("rejects a block with host bits set and names the network address", () => {
    expect(() => parseCidr("10.0.1.0/16")).toThrow(
      '"10.0.1.0/16" has host bits set; the network address is 10.0.0.0/16',
    );
  });

  it("a /16 over three zones gives /18 private and /22 public and data subnets", () => {
    const plan = planSubnets("10.0.0.0/16", 3);
    expect(plan.filter((s) => s.role === "private").map((s) => s.cidr)).toEqual([
      "10.0.0.0/18",
      "10.0.64.0/18",
      "10.0.128.0/18",
    ]);
    expect(plan.filter((s) => s.role === "public").every((s) => s.cidr.endsWith("/22"))).toBe(true);
    expect(plan.filter((s) => s.role === "data").every((s) => s.cidr.endsWith("/22"))).toBe(true);
  });

  it("no two subnets overlap and all lie inside the VPC, for any VPC size and zone count", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 16, max: 22 }),
        fc.integer({ min: 1, max: 3 }),
        (second, prefix, zones) => {
          const vpc = parseCidr(
            formatCidr({
              base: 10 * 2 ** 24 + second * 2 ** 16 - ((10 * 2 ** 24 + second * 2 ** 16) % blockSize(prefix)),
              prefix,
            }),
          );
          const plan = planSubnets(formatCidr(vpc), zones).map((s) => parseCidr(s.cidr));
          expect(plan).toHaveLength(zones * 3);
          for (let i = 0; i < plan.length; i++) {
            expect(contains(vpc, plan[i])).toBe(true);
            for (let j = i + 1; j < plan.length; j++) expect(overlaps(plan[i], plan[j])).toBe(false);
          }
        },
      ),
    );
  });

  it("a VPC too small for the subnets is an error naming the block", () => {
    expect(() => planSubnets("10.0.0.0/24", 3)).toThrow(/does not fit in 10.0.0.0\/24/);
  });

  it("a zone's subnet blocks do not depend on how many zones the VPC has (aws_subnet.cidr_block is ForceNew)", () => {
    for (let prefix = 16; prefix <= 20; prefix++) {
      const vpc = formatCidr({ base: 10 * 2 ** 24, prefix });
      const byZone = (zones: number) =>
        new Map(planSubnets(vpc, zones).map((s) => [`${s.role}-${s.zoneIndex}`, s.cidr] as const));
      const three = byZone(3);
      for (const zones of [1, 2]) {
        for (const [key, cidr] of byZone(zones)) expect([vpc, key, cidr]).toEqual([vpc, key, three.get(key)]);
      }
    }
  });

  it("three zones keep the blocks the VPCs were first deployed with", () => {
    expect(planSubnets("10.0.0.0/16", 3).map((s) => `${s.role}-${s.zoneIndex} ${s.cidr}`)).toEqual([
      "private-0 10.0.0.0/18",
      "private-1 10.0.64.0/18",
      "private-2 10.0.128.0/18",
      "public-0 10.0.192.0/22",
      "public-1 10.0.196.0/22",
      "public-2 10.0.200.0/22",
      "data-0 10.0.204.0/22",
      "data-1 10.0.208.0/22",
      "data-2 10.0.212.0/22",
    ]);
  });
});

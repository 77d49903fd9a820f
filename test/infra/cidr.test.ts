import fc from "fast-check";
import { allocate, blockSize, contains, formatCidr, overlaps, parseCidr, planSubnets } from "../../infra/lib/cidr";

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
    expect(() =>
      allocate("10.0.0.0/24", [
        { name: "a", prefix: 25 },
        { name: "b", prefix: 25 },
        { name: "c", prefix: 25 },
      ]),
    ).toThrow("vpcCidr 10.0.0.0/24 is too small: no room for subnet c (/25) after 2 subnets");
    expect(() => planSubnets("10.0.0.0/24", 3)).toThrow(/does not fit in 10.0.0.0\/24/);
  });
});

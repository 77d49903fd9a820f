/**
 * IPv4 CIDR arithmetic for the VPC's subnets: pure and tested, so a subnet plan can be checked without AWS.
 */

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

export function parseCidr(text: string): Cidr {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not an IPv4 CIDR block like 10.0.0.0/16`);
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32)
    throw new Error(`"${text}" is not an IPv4 CIDR block like 10.0.0.0/16`);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (base % blockSize(prefix) !== 0)
    throw new Error(
      `"${text}" has host bits set; the network address is ${formatCidr({ base: base - (base % blockSize(prefix)), prefix })}`,
    );
  return { base, prefix };
}

export function formatCidr({ base, prefix }: Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${octets.join(".")}/${prefix}`;
}

export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + blockSize(b.prefix) && b.base < a.base + blockSize(a.prefix);
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.base >= outer.base && inner.base + blockSize(inner.prefix) <= outer.base + blockSize(outer.prefix);
}

export type SubnetRole = "public" | "private" | "data";

export interface SubnetPlan {
  role: SubnetRole;
  zoneIndex: number;
  cidr: string;
}

/** Zones a VPC layout has room for: three private quarters, the fourth quarter for the small subnets. */
export const MAX_ZONES = 3;

/** The block of `prefix` that is the `index`-th of that size inside `outer`. */
function nthBlock(outer: Cidr, prefix: number, index: number): string {
  return formatCidr({ base: outer.base + index * blockSize(prefix), prefix });
}

/**
 * The VPC layout: per zone a large private subnet for workloads (EKS pods take VPC addresses, so they get a
 * quarter of the VPC each), a small public subnet (load balancers and NAT only) and a small isolated data subnet.
 * For a /16: private /18s, public and data /22s.
 *
 * Every block sits in a fixed slot of its zone, whatever the zone count: zone z's private subnet is quarter z, and
 * the fourth quarter is cut into sixteen /(p+6) blocks, public z in block z and data z in block 3 + z. A subnet's
 * `cidrBlock` forces its replacement (terraform-provider-aws `aws_subnet.cidr_block` is ForceNew), and a
 * replacement is created before the old subnet goes, so a block that moved when `azCount` changed would collide
 * with a subnet still holding it (InvalidSubnet.Conflict) and drag the RDS, ElastiCache and OpenSearch subnet
 * groups along. With fixed slots, adding or removing a zone touches only that zone's subnets. The slots equal
 * what the old largest-first allocation gave three zones, so three-zone VPCs keep their blocks.
 */
export function planSubnets(vpcCidr: string, zones: number): SubnetPlan[] {
  if (!Number.isInteger(zones) || zones < 1 || zones > MAX_ZONES) {
    throw new Error(`zones must be 1 to ${MAX_ZONES}, got ${zones}`);
  }
  const vpc = parseCidr(vpcCidr);
  const privatePrefix = vpc.prefix + 2;
  const smallPrefix = vpc.prefix + 6;
  if (smallPrefix > 28) {
    throw new Error(
      `subnet public-0 /${smallPrefix} does not fit in ${vpcCidr} (AWS subnets are /16 to /28; the VPC must be /22 or larger)`,
    );
  }
  const lastQuarter = parseCidr(nthBlock(vpc, privatePrefix, MAX_ZONES));
  const plan: SubnetPlan[] = [];
  for (let z = 0; z < zones; z++) plan.push({ role: "private", zoneIndex: z, cidr: nthBlock(vpc, privatePrefix, z) });
  for (let z = 0; z < zones; z++)
    plan.push({ role: "public", zoneIndex: z, cidr: nthBlock(lastQuarter, smallPrefix, z) });
  for (let z = 0; z < zones; z++) {
    plan.push({ role: "data", zoneIndex: z, cidr: nthBlock(lastQuarter, smallPrefix, MAX_ZONES + z) });
  }
  return plan;
}

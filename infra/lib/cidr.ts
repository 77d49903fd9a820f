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

export interface SubnetRequest {
  name: string;
  prefix: number;
}

/**
 * Carves aligned, non-overlapping blocks out of `vpc`, largest first so alignment wastes nothing.
 * Throws, naming the VPC block and what did not fit, when the VPC is too small.
 */
export function allocate(vpc: string, requests: SubnetRequest[]): Map<string, string> {
  const outer = parseCidr(vpc);
  const order = [...requests].sort((a, b) => a.prefix - b.prefix);
  const result = new Map<string, string>();
  let cursor = outer.base;
  for (const req of order) {
    if (req.prefix < outer.prefix || req.prefix > 28) {
      throw new Error(`subnet ${req.name} /${req.prefix} does not fit in ${vpc} (AWS subnets are /16 to /28)`);
    }
    const size = blockSize(req.prefix);
    const start = Math.ceil(cursor / size) * size;
    const block = { base: start, prefix: req.prefix };
    if (!contains(outer, block)) {
      throw new Error(
        `vpcCidr ${vpc} is too small: no room for subnet ${req.name} (/${req.prefix}) after ${result.size} subnets`,
      );
    }
    result.set(req.name, formatCidr(block));
    cursor = start + size;
  }
  return result;
}

export type SubnetRole = "public" | "private" | "data";

export interface SubnetPlan {
  role: SubnetRole;
  zoneIndex: number;
  cidr: string;
}

/**
 * The VPC layout: per zone a large private subnet for workloads (EKS pods take VPC addresses, so they get a
 * quarter of the VPC each), a small public subnet (load balancers and NAT only) and a small isolated data subnet.
 * For a /16: private /18s, public and data /22s.
 */
export function planSubnets(vpcCidr: string, zones: number): SubnetPlan[] {
  if (!Number.isInteger(zones) || zones < 1 || zones > 3) throw new Error(`zones must be 1 to 3, got ${zones}`);
  const { prefix } = parseCidr(vpcCidr);
  const roles: Array<[SubnetRole, number]> = [
    ["private", prefix + 2],
    ["public", prefix + 6],
    ["data", prefix + 6],
  ];
  const requests: SubnetRequest[] = [];
  for (const [role, p] of roles) for (let z = 0; z < zones; z++) requests.push({ name: `${role}-${z}`, prefix: p });
  const blocks = allocate(vpcCidr, requests);
  return requests.map((r) => {
    const [role, z] = r.name.split("-");
    return { role: role as SubnetRole, zoneIndex: Number(z), cidr: blocks.get(r.name)! };
  });
}

/**
 * The instance catalog: every instance class a stack may use, with its shape and its price in one entry
 * (stacks/instance-classes.json). The capacity maths reads the shapes, the cost estimate the prices, and the config
 * loader accepts only classes listed here, so no class can be configured that either of them does not know.
 */
import data from "./instance-classes.json";

/** The services whose instances are billed by the hour, as the catalog's SKU prefix spells them. */
export type InstanceService = "ec2" | "rds-postgres" | "elasticache-redis" | "elasticache-valkey" | "opensearch";

/** One instance class: `<service>/<class>` and what the maths and the estimate need of it. */
export interface InstanceClass {
  /** vCPUs (EC2 and RDS classes). */
  vcpu?: number;
  /** Memory in GiB (EC2 and RDS classes). */
  memoryGiB?: number;
  /** Elastic network interfaces the class can attach (EC2). */
  enis?: number;
  /** IPv4 addresses per ENI (EC2). */
  ipsPerEni?: number;
  /** us-east-1 on-demand price, USD per hour. */
  usdPerHour: number;
  /** The AWS pricing page the price belongs to. */
  source: string;
  /** How the price was checked, or that it was not. */
  note?: string;
}

/** An EC2 class's shape: what a node offers before EKS's reservations. */
export interface Ec2Shape {
  vcpu: number;
  memoryGiB: number;
  enis: number;
  ipsPerEni: number;
}

const SHAPE_FIELDS: Record<string, readonly (keyof InstanceClass)[]> = {
  ec2: ["vcpu", "memoryGiB", "enis", "ipsPerEni"],
  "rds-postgres": ["vcpu", "memoryGiB"],
};

/** Validates the catalog's entries: a positive price and a source for each, and the shape its service needs. */
export function parseInstanceClasses(raw: Record<string, unknown>): Record<string, InstanceClass> {
  const classes: Record<string, InstanceClass> = {};
  for (const [sku, value] of Object.entries(raw)) {
    const entry = value as Partial<InstanceClass>;
    const service = sku.slice(0, sku.indexOf("/"));
    if (typeof entry.usdPerHour !== "number" || !(entry.usdPerHour > 0))
      throw new Error(
        `instance class \`${sku}\`: usdPerHour must be a number > 0, got ${JSON.stringify(entry.usdPerHour)}`,
      );
    if (typeof entry.source !== "string" || entry.source === "")
      throw new Error(`instance class \`${sku}\` has no price source`);
    for (const field of SHAPE_FIELDS[service] ?? []) {
      const n = entry[field];
      if (typeof n !== "number" || !(n > 0))
        throw new Error(`instance class \`${sku}\`: ${field} must be a number > 0, got ${JSON.stringify(n)}`);
    }
    classes[sku] = entry as InstanceClass;
  }
  return classes;
}

/** Date the prices were gathered and the only region they hold for. */
export const INSTANCE_CATALOG = { catalogDate: data.catalogDate, region: data.region } as const;
/** Every class, keyed `<service>/<class>` (the cost catalog's SKU). */
export const INSTANCE_CLASSES: Readonly<Record<string, InstanceClass>> = parseInstanceClasses(data.classes);

/** The classes of one service, without the prefix (`c7g.large`, `db.m7g.xlarge`...). */
export function knownClasses(service: InstanceService): string[] {
  const prefix = `${service}/`;
  return Object.keys(INSTANCE_CLASSES)
    .filter((sku) => sku.startsWith(prefix))
    .map((sku) => sku.slice(prefix.length));
}

function entryOf(service: InstanceService, instanceClass: string, what: string): InstanceClass {
  const entry = INSTANCE_CLASSES[`${service}/${instanceClass}`];
  if (entry === undefined) {
    throw new Error(
      `${what} "${instanceClass}" is not in the instance catalog (known: ${knownClasses(service).join(", ")})`,
    );
  }
  return entry;
}

/** The shape of an EC2 class. Throws naming the class when the catalog does not list it. */
export function ec2Shape(instanceClass: string): Ec2Shape {
  const e = entryOf("ec2", instanceClass, "instanceClass");
  return { vcpu: e.vcpu!, memoryGiB: e.memoryGiB!, enis: e.enis!, ipsPerEni: e.ipsPerEni! };
}

/** Memory of an RDS PostgreSQL class in GiB. Throws naming the class when the catalog does not list it. */
export function rdsMemoryGiB(instanceClass: string): number {
  return entryOf("rds-postgres", instanceClass, "database instanceClass").memoryGiB!;
}

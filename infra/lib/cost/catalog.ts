import catalogData from "./prices.json";
import { INSTANCE_CATALOG, INSTANCE_CLASSES } from "../../../stacks/instances";

/** One price of the catalog. */
export interface CatalogEntry {
  /** Billing unit (hours, GB, GB-months...). */
  unit: string;
  /** USD per unit. */
  price: number;
  /** The AWS pricing page the price belongs to. */
  source: string;
  /** How the figure was checked, or that it was not. */
  note?: string;
}

/** A price catalog for one region. */
export interface Catalog {
  /** Date the prices were gathered. */
  catalogDate: string;
  /** The only region these prices hold for; any other region gets unpriced lines. */
  region: string;
  currency: "USD";
  prices: Record<string, CatalogEntry>;
}

/** Validates raw catalog data; errors name the key and the bad value. */
export function parseCatalog(raw: unknown): Catalog {
  if (typeof raw !== "object" || raw === null) throw new Error(`catalog must be an object, got ${String(raw)}`);
  const data = raw as Record<string, unknown>;
  for (const key of ["catalogDate", "region"] as const) {
    if (typeof data[key] !== "string" || data[key] === "") {
      throw new Error(`catalog \`${key}\` must be a non-empty string, got ${JSON.stringify(data[key])}`);
    }
  }
  if (data.currency !== "USD")
    throw new Error(`catalog \`currency\` must be "USD", got ${JSON.stringify(data.currency)}`);
  if (typeof data.prices !== "object" || data.prices === null) throw new Error("catalog `prices` must be an object");
  const prices: Record<string, CatalogEntry> = {};
  for (const [sku, value] of Object.entries(data.prices as Record<string, unknown>)) {
    const entry = value as Partial<CatalogEntry>;
    if (typeof entry.price !== "number" || !Number.isFinite(entry.price) || entry.price < 0) {
      throw new Error(`catalog price \`${sku}\` must be a number >= 0, got ${JSON.stringify(entry.price)}`);
    }
    if (typeof entry.unit !== "string" || entry.unit === "") throw new Error(`catalog price \`${sku}\` has no unit`);
    if (typeof entry.source !== "string" || entry.source === "")
      throw new Error(`catalog price \`${sku}\` has no source`);
    prices[sku] = { unit: entry.unit, price: entry.price, source: entry.source, note: entry.note };
  }
  return { catalogDate: data.catalogDate as string, region: data.region as string, currency: "USD", prices };
}

/**
 * The committed us-east-1 catalog: infra/lib/cost/prices.json plus the instance-hour prices of the instance catalog
 * (stacks/instance-classes.json), which keeps each class's price beside its shape.
 */
export const DEFAULT_CATALOG: Catalog = parseCatalog(withInstancePrices(catalogData));

function withInstancePrices(raw: typeof catalogData): unknown {
  if (raw.region !== INSTANCE_CATALOG.region || raw.catalogDate !== INSTANCE_CATALOG.catalogDate) {
    throw new Error(
      `the instance catalog (${INSTANCE_CATALOG.region}, ${INSTANCE_CATALOG.catalogDate}) and the price catalog (${raw.region}, ${raw.catalogDate}) must be gathered for the same region and date`,
    );
  }
  const instancePrices = Object.fromEntries(
    Object.entries(INSTANCE_CLASSES).map(([sku, c]) => [
      sku,
      { unit: "hours", price: c.usdPerHour, source: c.source, ...(c.note === undefined ? {} : { note: c.note }) },
    ]),
  );
  return { ...raw, prices: { ...raw.prices, ...instancePrices } };
}

/** The price of `sku` in `region`, or why there is none. */
export function lookupPrice(
  catalog: Catalog,
  sku: string,
  region: string,
): { entry: CatalogEntry } | { unpriced: string } {
  if (region !== catalog.region) {
    return { unpriced: `region ${region} is not in the catalog (prices are for ${catalog.region} only)` };
  }
  const entry = catalog.prices[sku];
  if (entry === undefined) return { unpriced: `SKU ${sku} is not in the catalog` };
  return { entry };
}

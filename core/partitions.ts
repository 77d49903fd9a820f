import type { Db } from "./db";

/** The months (UTC) whose partitions must exist: this month and `ahead` more. */
export function monthsToEnsure(now: Date, ahead: number): Array<{ year: number; month: number }> {
  const out: Array<{ year: number; month: number }> = [];
  for (let i = 0; i <= ahead; i++) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1));
    out.push({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 });
  }
  return out;
}

/** seed 000 §3.3's naming: `segments_2026_11`. */
export function partitionName(parent: "segments" | "jobs", year: number, month: number): string {
  return `${parent}_${year}_${String(month).padStart(2, "0")}`;
}

export const PARTITIONED_TABLES = ["segments", "jobs"] as const;

/**
 * Creates the missing monthly partitions of `segments` and `jobs` (the
 * function of the initial migration is IF NOT EXISTS, so running this on
 * every worker, concurrently, is safe). Returns the partitions it ensured.
 */
export async function ensurePartitions(db: Db, now: Date, ahead: number): Promise<string[]> {
  const names: string[] = [];
  for (const parent of PARTITIONED_TABLES) {
    for (const { year, month } of monthsToEnsure(now, ahead)) {
      try {
        await db.write("SELECT create_month_partition($1, $2, $3)", [parent, year, month]);
      } catch (err) {
        // two workers creating the same partition at the same instant: the loser sees a duplicate; the table exists
        const code = (err as { code?: string }).code;
        if (code !== "42P07" && code !== "23505") throw err;
      }
      names.push(partitionName(parent, year, month));
    }
  }
  return names;
}

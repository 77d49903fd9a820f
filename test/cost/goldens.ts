/**
 * Monthly totals (USD) the real offline plans produce, pinned: a change to any declared class, count, size or
 * price moves one of these, and the test that fails says by how much. Re-pin deliberately, with the reason in the
 * commit (`npm run cost -- --stack <s>` prints the new figures and `--diff` the lines that moved).
 */
export const GOLDEN_MONTHLY: Record<"mvp" | "v1" | "v2", { min: number; expected: number; max: number }> = {
  mvp: { min: 2080.88, expected: 2080.88, max: 2254.29 },
  v1: { min: 8128.8, expected: 8128.8, max: 8192.36 },
  v2: { min: 36432.96, expected: 36432.96, max: 36496.53 },
};

/**
 * Monthly totals (USD) the real offline plans produce, pinned: a change to any declared class, count, size or
 * price moves one of these, and the test that fails says by how much. Re-pin deliberately, with the reason in the
 * commit (`npm run cost -- --stack <s>` prints the new figures and `--diff` the lines that moved).
 */
export const GOLDEN_MONTHLY: Record<"mvp" | "v1" | "v2", { min: number; expected: number; max: number }> = {
  mvp: { min: 2145.76, expected: 2145.76, max: 2319.17 },
  v1: { min: 8212.13, expected: 8212.13, max: 8275.69 },
  v2: { min: 35808.65, expected: 35808.65, max: 35872.22 },
};

/**
 * Monthly totals (USD) the real offline plans produce, pinned: a change to any declared class, count, size or
 * price moves one of these, and the test that fails says by how much. Re-pin deliberately, with the reason in the
 * commit (`npm run cost -- --stack <s>` prints the new figures and `--diff` the lines that moved).
 */
export const GOLDEN_MONTHLY: Record<"mvp" | "v1" | "v2", { min: number; expected: number; max: number }> = {
  mvp: { min: 904.94, expected: 904.94, max: 904.94 },
  v1: { min: 3911.87, expected: 3911.87, max: 3911.87 },
  v2: { min: 11800.63, expected: 11800.63, max: 11800.63 },
};

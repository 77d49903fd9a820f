/**
 * Monthly totals (USD) the real offline plans produce, pinned: a change to any declared class, count, size or
 * price moves one of these, and the test that fails says by how much. Re-pin deliberately, with the reason in the
 * commit (`npm run cost -- --stack <s>` prints the new figures and `--diff` the lines that moved).
 */
export const GOLDEN_MONTHLY: Record<"mvp" | "v1" | "v2", { min: number; expected: number; max: number }> = {
  mvp: { min: 2150.56, expected: 2150.56, max: 2323.97 },
  v1: { min: 8260.13, expected: 8260.13, max: 8323.69 },
  v2: { min: 36288.65, expected: 36288.65, max: 36352.22 },
};

/**
 * Monthly totals (USD) the real offline plans produce, pinned: a change to any declared class, count, size or
 * price moves one of these, and the test that fails says by how much. Re-pin deliberately, with the reason in the
 * commit (`npm run cost -- --stack <s>` prints the new figures and `--diff` the lines that moved).
 */
export const GOLDEN_MONTHLY: Record<"mvp" | "v1" | "v2", { min: number; expected: number; max: number }> = {
  mvp: { min: 2085.68, expected: 2085.68, max: 2259.09 },
  v1: { min: 8176.8, expected: 8176.8, max: 8240.36 },
  v2: { min: 36160.65, expected: 36160.65, max: 36224.22 },
};

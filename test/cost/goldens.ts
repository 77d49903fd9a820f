/**
 * Monthly totals (USD) the real offline plans produce, pinned: a change to any declared class, count, size or
 * price moves one of these, and the test that fails says by how much. Re-pin deliberately, with the reason in the
 * commit (`npm run cost -- --stack <s>` prints the new figures and `--diff` the lines that moved).
 */
export const GOLDEN_MONTHLY: Record<"mvp" | "v1" | "v2", { min: number; expected: number; max: number }> = {
  // Re-pinned (issue 12, infra-edge + infra-data): api and worker groups scale from the HPA minima's nodes (min)
  // through the tier's count (expected) to the HPA maxima with rollout surge and zone loss (max); the internal ALB
  // behind CloudFront's VPC origin has no public IPv4 addresses (-$10.95 on every figure); v2's OpenSearch runs
  // 6 data nodes (2 per zone, was 5) and 3 coordinators (+$752.31 on every figure). Main's monitoring (issue 16) adds
  // the same as on main: +$64.88 mvp, +$83.33 v1, +$128.00 v2.
  mvp: { min: 1915.11, expected: 2134.81, max: 2479.0 },
  v1: { min: 7119.53, expected: 8201.18, max: 8264.74 },
  v2: { min: 31662.44, expected: 36550.01, max: 36613.58 },
};

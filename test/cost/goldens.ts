/**
 * Monthly totals (USD) the real offline plans produce, pinned: a change to any declared class, count, size or
 * price moves one of these, and the test that fails says by how much. Re-pin deliberately, with the reason in the
 * commit (`npm run cost -- --stack <s>` prints the new figures and `--diff` the lines that moved).
 */
export const GOLDEN_MONTHLY: Record<"mvp" | "v1" | "v2", { min: number; expected: number; max: number }> = {
  // Re-pinned (issue 12, infra-edge + infra-data): api and worker groups scale from the HPA minima's nodes (min)
  // through the tier's count (expected) to the HPA maxima with rollout surge and zone loss (max); the internal ALB
  // behind CloudFront's VPC origin has no public IPv4 addresses (-$10.95 on every figure); v2's OpenSearch runs
  // 6 data nodes (2 per zone, was 5) and 3 coordinators (+$752.31 on every figure).
  mvp: { min: 1850.23, expected: 2069.93, max: 2414.12 },
  v1: { min: 7036.2, expected: 8117.85, max: 8181.41 },
  v2: { min: 31534.44, expected: 36422.01, max: 36485.58 },
};

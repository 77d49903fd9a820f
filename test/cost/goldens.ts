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
  // the same as on main: +$64.88 mvp, +$83.33 v1, +$128.00 v2. Issue 17's inter-AZ transfer adds the same as on
  // main: +$4.80 mvp, +$48 v1, +$480 v2 on every figure. Expected now follows traffic (infra/lib/cost/load.ts): the
  // tiers' origin load over the bench's per-pod rates needs no more than the ScaledObjects' minima, so the api and
  // worker groups are expected at their minSize (-$219.70 mvp, -$1,081.65 v1, -$4,887.57 v2 on expected). Logs
  // priced at their source (rules/logs.ts), each at its own groups' retention (OpenSearch's and the functions' 14
  // days, not the stack's longest 30), and mvp declares no group for "other" logs: -$1.06 mvp, -$0.48 v1, -$3.20 v2.
  // Inter-AZ transfer adds OpenSearch (10 % of served bytes, one hop, instead of the cache/database mix) and the
  // workers' job bytes: +$0.04 mvp, -$0.32 v1, -$3.20 v2.
  mvp: { min: 1918.89, expected: 1918.89, max: 2482.78 },
  v1: { min: 7166.73, expected: 7166.73, max: 8311.94 },
  v2: { min: 32136.04, expected: 32136.04, max: 37087.18 },
};

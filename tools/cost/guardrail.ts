/**
 * The pull-request guardrail: a change fails when it adds more than a configured amount (USD per month, expected)
 * or percentage of the before total. A percentage needs the before total, which a partial plan does not have: the
 * check then fails closed and says why, rather than passing a change nobody could measure.
 */
import { signedUsd, usd } from "../../infra/lib/cost/format";
import type { CostDiff } from "./diff";

export interface GuardrailLimits {
  /** Largest allowed increase of the expected monthly cost, USD. */
  maxIncreaseUsd?: number;
  /** Largest allowed increase of the expected monthly cost, percent of the before total. */
  maxIncreasePercent?: number;
}

export interface GuardrailResult {
  ok: boolean;
  message: string;
}

export function checkGuardrail(diff: CostDiff, limits: GuardrailLimits): GuardrailResult {
  const increase = diff.change.expected;
  const failures: string[] = [];
  const passes: string[] = [];
  if (limits.maxIncreaseUsd !== undefined) {
    const text = `expected ${signedUsd(increase)}/month against a limit of +${usd(limits.maxIncreaseUsd)}`;
    (increase > limits.maxIncreaseUsd ? failures : passes).push(text);
  }
  if (limits.maxIncreasePercent !== undefined) {
    const base = diff.before.monthly?.expected;
    if (base === undefined) {
      failures.push(
        `a +${limits.maxIncreasePercent}% limit cannot be checked on a partial plan (no before total); pass --show-sames to pulumi preview`,
      );
    } else {
      const pct = base === 0 ? (increase > 0 ? Infinity : 0) : (increase / base) * 100;
      const shown = Number.isFinite(pct) ? `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}%` : "new cost from $0";
      const text = `expected ${shown} against a limit of +${limits.maxIncreasePercent}%`;
      (pct > limits.maxIncreasePercent ? failures : passes).push(text);
    }
  }
  if (failures.length > 0) return { ok: false, message: failures.join("; ") };
  return { ok: true, message: passes.join("; ") };
}

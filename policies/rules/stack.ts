/**
 * What CrossGuard's resource view does not show: the stack's own config and its outputs.
 *
 * - The budget a stack file sets (`storyforge:monthlyBudgetUsd`) may not exceed its tier's ceiling without a dated
 *   waiver. The pack reads the stack config the CLI hands it (PULUMI_CONFIG, policies/index.ts); `npm run plan` hands
 *   the evaluator the stack file's values. Both then run this rule.
 * - Outputs stay masked where they carry a secret. The offline evaluator presents the plan's outputs as the root
 *   `pulumi:pulumi:Stack` resource, as the engine's AnalyzeStack lists it; whether the CLI fills that resource's
 *   outputs before AnalyzeStack is unverified (no Pulumi CLI here), so under the CLI this rule may see nothing.
 */
import { TIERS } from "../../stacks/tiers";
import { STACK_SUBJECT, ofType, stackRule, type Rule } from "./kit";

export const STACK_RESOURCE = ["pulumi:pulumi:Stack"] as const;
export const BUDGET_KEY = "storyforge:monthlyBudgetUsd";
/** How the offline plan (infra/lib/inventory.ts resolveMasked) and the CLI show a secret output. */
export const MASKED = "[secret]";

export const stackBudgetWithinCeiling = stackRule({
  name: "stack-budget-within-tier-ceiling",
  description: `A stack's own budget (${BUDGET_KEY}) stays at or below its tier's ceiling (stacks/tiers.ts); above it needs a waiver of resource "stack" with a reason and an expiry.`,
  level: "M",
  tierOnly: true,
  sources: ["issue 5 (budget per tier)", "issue 13 (a stack file could raise its own ceiling)"],
  check: (_resources, ctx, report) => {
    const raw: unknown = ctx.stackConfig?.[BUDGET_KEY];
    if (raw === undefined || raw === null || raw === "") return;
    const budget = typeof raw === "number" ? raw : Number(raw);
    const ceiling = TIERS[ctx.tier].budget.monthlyCeilingUsd;
    if (!Number.isFinite(budget)) {
      report(`${BUDGET_KEY} ${JSON.stringify(raw)} is not a number`);
      return;
    }
    if (budget > ceiling)
      report(
        `${BUDGET_KEY} ${budget} is above tier ${ctx.tier}'s ceiling ${ceiling}; lower it, or waive check stack-budget-within-tier-ceiling of resource "${STACK_SUBJECT}" with a reason and an expiry in policies/config.<stack>.json`,
      );
  },
});

/** Keys whose values are secrets, not references to them (secretArn, tokenUrl… are names of where a secret lives). */
const SECRET_KEY = /(password|passwd|secret|token|credential|private.?key|auth.?key|api.?key)$/i;
const CREDENTIAL = /^[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@|-----BEGIN [A-Z ]*PRIVATE KEY-----/i;

function leaves(value: unknown, path: string): Array<[string, string, unknown]> {
  if (value === MASKED) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, `${path}[${i}]`));
  if (typeof value === "object" && value !== null)
    return Object.entries(value).flatMap(([k, v]) => {
      if (SECRET_KEY.test(k) && v !== MASKED && v !== undefined && v !== null) {
        return [[`${path}.${k}`, k, v] as [string, string, unknown]];
      }
      return leaves(v, `${path}.${k}`);
    });
  return typeof value === "string" && CREDENTIAL.test(value) ? [[path, "", value]] : [];
}

export const outputsMasked = stackRule({
  name: "stack-outputs-secret-masked",
  description:
    "Stack outputs carry no secret in clear: a key named like a secret (password, token, secret…) is a secret output, and no output holds a URL with a password or a private key.",
  level: "M",
  sources: ["seed 000 (secrets never in plain outputs)", "issue 13 (outputs are out of CrossGuard's resource view)"],
  check: (resources, _ctx, report) => {
    for (const stack of ofType(resources, STACK_RESOURCE)) {
      const outputs: unknown = stack.props.outputs ?? stack.props;
      for (const [path, key] of leaves(outputs, "outputs")) {
        report(
          key === ""
            ? `${path} holds a credential in clear; export it with pulumi.secret()`
            : `${path} is not a secret output; export it with pulumi.secret() (or do not export it)`,
          stack,
        );
      }
    }
  },
});

export const stackRules: readonly Rule[] = [stackBudgetWithinCeiling, outputsMasked];

/**
 * `npm run cost -- --from <pulumi preview --json>`: what the preview's steps change, priced as deltas. The before
 * side is every step's old state (updates, replacements, deletes, and unchanged resources when the preview lists
 * them), the after side every step's new state (creates, updates, replacements, unchanged); each changed line
 * carries its step.
 *
 * `pulumi preview --json` leaves unchanged resources out unless run with `--show-sames` (the CLI's JSON display
 * shows `same` steps only on request), so a preview is often partial: the change is known, the totals are not.
 * Then there is no budget verdict, and usage-priced lines (stack totals such as NAT bytes, priced on whichever
 * carrier comes first) are left out of both sides, since the carrier may be a resource the preview does not list.
 */
import { type RawState, convertStates } from "./convert";
import { type EstimateOptions, estimateCost } from "../../infra/lib/cost/estimate";
import type { CostEstimate, CostResource } from "../../infra/lib/cost/types";
import type { UsageAssumptions } from "../../stacks/tiers";

type Side = "before" | "after" | "both" | "none";

/** Which states of a step exist once the step has run (before = old state, after = new state). */
const SIDES: Record<string, Side> = {
  same: "both",
  update: "both",
  replace: "both",
  create: "after",
  import: "after",
  "create-replacement": "after",
  "import-replacement": "after",
  delete: "before",
  discard: "before",
  "delete-replaced": "before",
  "discard-replaced": "before",
  // Reads are external resources (not ours to price); refreshes change no inputs.
  read: "none",
  "read-replacement": "none",
  "read-discard": "none",
  refresh: "none",
  "remove-pending-replace": "none",
};

/** The step shown for a resource: a logical replace wins over its create-replacement / delete-replaced halves. */
const STEP_NAME: Record<string, string> = {
  "create-replacement": "replace",
  "delete-replaced": "replace",
  "import-replacement": "replace",
  "discard-replaced": "replace",
  discard: "delete",
  import: "create",
};

export interface PreviewPlan {
  before: CostResource[];
  after: CostResource[];
  /** Resource name → create / update / replace / delete (same steps are not listed). */
  steps: Map<string, string>;
  /** Why the preview is not the whole stack; empty when it is. */
  partial: string[];
  /** Steps per kind, as the preview counted them. */
  counts: Record<string, number>;
}

interface Step {
  op?: string;
  urn?: string;
  oldState?: RawState;
  newState?: RawState;
}

export function isPreviewDocument(doc: unknown): boolean {
  return typeof doc === "object" && doc !== null && Array.isArray((doc as { steps?: unknown }).steps);
}

export function readPreviewPlan(doc: unknown): PreviewPlan {
  const record = doc as {
    steps: Step[];
    changeSummary?: Record<string, number>;
    diagnostics?: Array<{ severity?: string; message?: string; urn?: string }>;
    maybeCorrupt?: boolean;
  };
  const before: RawState[] = [];
  const after: RawState[] = [];
  const steps = new Map<string, string>();
  const partial: string[] = [];
  const counts: Record<string, number> = {};
  const missing: string[] = [];
  const unknownOps = new Set<string>();
  const seen = new Set<string>();

  for (const step of record.steps) {
    const op = step.op ?? "same";
    const urn = step.urn ?? step.newState?.urn ?? step.oldState?.urn ?? "";
    const side = SIDES[op];
    if (side === undefined) {
      unknownOps.add(op);
      continue;
    }
    // The stack resource itself costs nothing and appears in most previews.
    if (urn.includes("::pulumi:pulumi:Stack::")) continue;
    if (side === "none") continue;
    const name = urn.split("::").slice(3).join("::");
    const wantOld = side === "before" || side === "both";
    const wantNew = side === "after" || side === "both";
    if ((wantOld && step.oldState === undefined) || (wantNew && step.newState === undefined)) {
      missing.push(`${op} ${name}`);
      continue;
    }
    // A replacement may be printed as one logical step and its two halves: count the resource once per side.
    if (wantOld && !seen.has(`old ${urn}`)) {
      before.push({ ...step.oldState!, urn: step.oldState!.urn ?? urn });
      seen.add(`old ${urn}`);
    }
    if (wantNew && !seen.has(`new ${urn}`)) {
      after.push({ ...step.newState!, urn: step.newState!.urn ?? urn });
      seen.add(`new ${urn}`);
    }
    if (op !== "same") {
      const shown = STEP_NAME[op] ?? op;
      if (steps.get(name) !== "replace") steps.set(name, shown);
    }
  }
  for (const shown of steps.values()) counts[shown] = (counts[shown] ?? 0) + 1;
  counts.same = record.steps.filter((s) => (s.op ?? "same") === "same").length;

  const summarySame = record.changeSummary?.same ?? 0;
  if (summarySame > counts.same) {
    partial.push(
      `the preview lists ${counts.same} of its ${summarySame} unchanged resources (run \`pulumi preview --json --show-sames\` for the whole stack)`,
    );
  }
  if (record.maybeCorrupt === true) partial.push("the preview says its state may be corrupt (maybeCorrupt)");
  const errors = (record.diagnostics ?? []).filter((d) => d.severity === "error");
  if (errors.length > 0) {
    partial.push(
      `the preview reported ${errors.length} error(s), so it may have stopped before every resource: ${errors
        .map((e) => (e.message ?? "").trim().split("\n")[0])
        .join(" | ")}`,
    );
  }
  if (missing.length > 0) partial.push(`steps without the state to price them: ${missing.join(", ")}`);
  if (unknownOps.size > 0) partial.push(`steps of an unknown kind: ${[...unknownOps].join(", ")}`);

  return { before: convertStates(before), after: convertStates(after), steps, partial, counts };
}

/** Estimates of both sides; on a partial preview without the usage-priced lines (see the file comment). */
export function priceSides(
  plan: PreviewPlan,
  usage: UsageAssumptions,
  opts: EstimateOptions = {},
): { before: CostEstimate; after: CostEstimate; notes: string[] } {
  const before = estimateCost(plan.before, usage, opts);
  const after = estimateCost(plan.after, usage, opts);
  const notes = [...plan.partial];
  if (plan.partial.length > 0) {
    const dropped = new Set<string>();
    for (const e of [before, after]) {
      for (const l of e.lineItems) if (l.usage !== undefined) dropped.add(`${l.resource} ${l.sku}`);
      e.lineItems = e.lineItems.filter((l) => l.usage === undefined);
    }
    if (dropped.size > 0) {
      notes.push(
        `usage-priced lines left out of both sides (${[...dropped].join(", ")}): they are stack totals, and the resource that carries them may be one the preview does not list`,
      );
    }
  }
  return { before, after, notes };
}

/**
 * A cost diff as Markdown: plain, or the body of a pull-request comment on GitHub or a merge-request note on GitLab
 * (`--format github|gitlab`). Both start with a hidden marker, so CI can find its earlier comment and edit it in
 * place (tools/cost/comment.ts); they differ in how a warning is drawn (GitHub's alert blocks, GitLab's emoji).
 */
import { percent, quantity, signedUsd, usd } from "../../infra/lib/cost/format";
import type { LineItem, Range } from "../../infra/lib/cost/types";
import type { AttributeChange, CostDiff, DiffRow } from "./diff";
import type { GuardrailResult } from "./guardrail";
import type { BudgetResult } from "../../infra/lib/cost/budget";

export type MarkdownFlavour = "markdown" | "github" | "gitlab";

/** First line of every comment body; CI looks for it to update its own comment rather than add one. */
export const COMMENT_MARKER = "<!-- storyforge-cost -->";

export interface RenderOptions {
  format: MarkdownFlavour;
  /** Budget verdict on the after side; omitted (and said so) when the diff is partial. */
  budget?: BudgetResult | { skipped: string };
  guardrail?: GuardrailResult;
}

/** The description without its parenthesised details: "Storage (1,000 GB gp3)" → "Storage". */
export function lineTitle(line: LineItem): string {
  const cut = line.description.indexOf(" (");
  return (cut >= 0 ? line.description.slice(0, cut) : line.description).trim();
}

function isFlat(r: Range): boolean {
  return r.min === r.expected && r.expected === r.max;
}

/** "$245.28", or "$1,000.00 / $1,500.00 / $2,000.00" (min / expected / max) when the range is open. */
export function rangeCell(r: Range | null | undefined, present: boolean): string {
  if (!present) return "–";
  if (r === null || r === undefined) return "unpriced";
  return isFlat(r) ? usd(r.expected) : `${usd(r.min)} / ${usd(r.expected)} / ${usd(r.max)}`;
}

function deltaCell(r: Range): string {
  return isFlat(r) ? signedUsd(r.expected) : `${signedUsd(r.min)} / ${signedUsd(r.expected)} / ${signedUsd(r.max)}`;
}

function value(v: AttributeChange["from"]): string {
  if (v === undefined) return "–";
  return typeof v === "number" ? quantity(v) : String(v);
}

function attributesCell(row: DiffRow): string {
  if (row.mark === "+") return "new";
  if (row.mark === "-") return "gone";
  const parts = row.attributes.map((c) => `${c.name} ${value(c.from)} → ${value(c.to)}`);
  if (parts.length === 0 && row.from !== undefined && row.to !== undefined) {
    const q = (l: LineItem) =>
      isFlat(l.quantity) ? quantity(l.quantity.expected) : `${quantity(l.quantity.min)}-${quantity(l.quantity.max)}`;
    parts.push(`quantity ${q(row.from)} → ${q(row.to)} ${row.to.unit}`.trim());
  }
  return parts.join("; ");
}

function warning(format: MarkdownFlavour, text: string): string[] {
  if (format === "github") return ["> [!WARNING]", `> ${text}`, ""];
  if (format === "gitlab") return [`> :warning: **${text}**`, ""];
  return [`> **Warning:** ${text}`, ""];
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function component(line: LineItem): string {
  return line.component.split(":").pop() ?? line.component;
}

export function renderDiff(diff: CostDiff, opts: RenderOptions): string {
  const { format } = opts;
  const before = diff.before.label;
  const after = diff.after.label;
  const out: string[] = [];
  if (format !== "markdown") out.push(COMMENT_MARKER);
  out.push(`### Monthly cost: ${before} → ${after}`, "");

  if (diff.before.monthly !== null && diff.after.monthly !== null) {
    out.push(`| USD / month | ${before} | ${after} | Change |`, "|---|---:|---:|---:|");
    for (const point of ["min", "expected", "max"] as const) {
      const from = diff.before.monthly[point];
      const to = diff.after.monthly[point];
      out.push(`| ${point} | ${usd(from)} | ${usd(to)} | ${signedUsd(diff.change[point])} (${percent(from, to)}) |`);
    }
  } else {
    out.push("| USD / month | Change |", "|---|---:|");
    for (const point of ["min", "expected", "max"] as const)
      out.push(`| ${point} | ${signedUsd(diff.change[point])} |`);
    out.push("");
    out.push(...warning(format, "Partial plan: only the change is known, not the stack's totals."));
    for (const note of diff.notes) out.push(`- ${note}`);
  }
  out.push("");

  const resource = diff.rows.filter((r) => r.cause === "resource");
  const usage = diff.rows.filter((r) => r.cause === "usage");
  const count = (m: DiffRow["mark"]) => resource.filter((r) => r.mark === m).length;
  out.push(
    `**${count("+")} added, ${count("-")} removed, ${count("~")} changed** by resources; ${usage.length} moved by usage assumptions (${diff.unchanged} unchanged)`,
    "",
  );

  const withSteps = diff.rows.some((r) => r.step !== undefined);
  if (resource.length > 0) {
    out.push("#### Resource changes", "");
    out.push(
      `| | ${withSteps ? "Step | " : ""}Component | Resource | Item | SKU | What changed | ${before} (min / expected / max) | ${after} (min / expected / max) | Change |`,
      `|---|${withSteps ? "---|" : ""}---|---|---|---|---|---:|---:|---:|`,
    );
    for (const r of resource) {
      const line = (r.to ?? r.from)!;
      const sku =
        r.from !== undefined && r.to !== undefined && r.from.sku !== r.to.sku
          ? `${r.from.sku} → ${r.to.sku}`
          : line.sku;
      out.push(
        `| ${r.mark} | ${withSteps ? `${r.step ?? ""} | ` : ""}${component(line)} | ${line.resource} | ${cell(lineTitle(line))} | \`${sku}\` | ${cell(attributesCell(r))} | ${rangeCell(r.from?.monthly, r.from !== undefined)} | ${rangeCell(r.to?.monthly, r.to !== undefined)} | ${deltaCell(r.delta)} |`,
      );
    }
    out.push("");
  }

  if (diff.usage.length > 0 || usage.length > 0) {
    out.push("#### Usage assumptions", "");
    if (diff.usage.length > 0) {
      out.push(`| Assumption (per month) | ${before} | ${after} |`, "|---|---:|---:|");
      for (const u of diff.usage)
        out.push(
          `| ${u.key} | ${u.from === undefined ? "–" : quantity(u.from)} | ${u.to === undefined ? "–" : quantity(u.to)} |`,
        );
      out.push("");
    }
    if (usage.length > 0) {
      out.push(
        `| | Resource | Item | SKU | From | ${before} | ${after} | Change |`,
        "|---|---|---|---|---|---:|---:|---:|",
      );
      for (const r of usage) {
        const line = (r.to ?? r.from)!;
        out.push(
          `| ${r.mark} | ${line.resource} | ${cell(lineTitle(line))} | \`${line.sku}\` | ${(line.usage ?? []).join(", ")} | ${rangeCell(r.from?.monthly, r.from !== undefined)} | ${rangeCell(r.to?.monthly, r.to !== undefined)} | ${deltaCell(r.delta)} |`,
        );
      }
      out.push("");
    }
  }

  if (opts.budget !== undefined) {
    if ("skipped" in opts.budget) out.push(`**Budget:** no verdict — ${opts.budget.skipped}`, "");
    else if (opts.budget.ok) out.push(`**Budget:** OK — ${opts.budget.message.split("\n")[0]}`, "");
    else out.push(...warning(format, `Budget: OVER — ${opts.budget.message.split("\n")[0]}`));
  }
  if (opts.guardrail !== undefined) {
    if (opts.guardrail.ok) out.push(`**Guardrail:** passed — ${opts.guardrail.message}`, "");
    else out.push(...warning(format, `Guardrail failed: ${opts.guardrail.message}`));
  }

  if (diff.unpriced.length > 0) {
    out.push(`⚠ ${after} has ${diff.unpriced.length} unpriced line(s), not in its totals:`);
    for (const l of diff.unpriced) out.push(`- ${l.resource} \`${l.sku}\`: ${l.unpriced}`);
    out.push("");
  }
  out.push(
    `<sub>us-east-1 on-demand prices of ${diff.catalogDate}, ${diff.hoursPerMonth} h/month; min / expected / max = node groups at min / desired / max size, usage from each tier's assumptions; lines matched on resource + item.</sub>`,
  );
  return out.join("\n");
}

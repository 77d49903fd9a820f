/**
 * An SVG chart of estimates side by side (`npm run cost -- --chart docs/cost-tiers.svg mvp v1 v2`): the total per
 * stack, then each component, one bar per stack at `expected` with a whisker from `min` to `max`. Totals and
 * components have their own scales, so a small component is still readable beside a large one.
 */
import { usd } from "../../infra/lib/cost/format";
import type { CostEstimate, Range } from "../../infra/lib/cost/types";

export interface ChartSeries {
  name: string;
  estimate: CostEstimate;
}

const COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2"];
const W = { label: 170, plot: 560, value: 230, bar: 14, gap: 4, group: 14 };

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function short(component: string): string {
  return component.split(":").pop() ?? component;
}

function whole(v: number): string {
  return usd(Math.round(v)).replace(/\.00$/, "");
}

function rangeText(r: Range): string {
  return r.min === r.max ? whole(r.expected) : `${whole(r.expected)} (${whole(r.min)}–${whole(r.max)})`;
}

export function renderCostChart(series: readonly ChartSeries[], title = "Monthly cost per tier"): string {
  const components = [...new Set(series.flatMap((s) => Object.keys(s.estimate.byComponent)))].sort((a, b) => {
    const top = (c: string) => Math.max(...series.map((s) => s.estimate.byComponent[c]?.monthly.expected ?? 0));
    return top(b) - top(a) || a.localeCompare(b);
  });
  const groups: Array<{ label: string; values: Array<Range | undefined>; scale: "total" | "component" }> = [
    { label: "Total", values: series.map((s) => s.estimate.monthly), scale: "total" },
    ...components.map((c) => ({
      label: short(c),
      values: series.map((s) => s.estimate.byComponent[c]?.monthly),
      scale: "component" as const,
    })),
  ];
  const maxOf = (scale: "total" | "component") =>
    Math.max(1, ...groups.filter((g) => g.scale === scale).flatMap((g) => g.values.map((v) => v?.max ?? 0)));
  const scales = { total: maxOf("total"), component: maxOf("component") };

  const rowH = series.length * (W.bar + W.gap) + W.group;
  const top = 70;
  const height = top + groups.length * rowH + 30;
  const width = W.label + W.plot + W.value + 20;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(title)}: expected with min–max, USD per month</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="10" y="40" fill="#555">bar: expected; whisker: min to max (node groups at min / max size). USD per month, catalog of ${esc(series[0]?.estimate.catalogDate ?? "")}. Total and components on separate scales.</text>`,
  ];
  series.forEach((s, i) => {
    const x = 10 + i * 90;
    out.push(
      `<g class="legend" data-series="${esc(s.name)}"><rect x="${x}" y="50" width="12" height="12" fill="${COLOURS[i % COLOURS.length]}"/><text x="${x + 16}" y="60">${esc(s.name)}</text></g>`,
    );
  });
  groups.forEach((g, gi) => {
    const y0 = top + gi * rowH;
    const scale = scales[g.scale];
    const px = (v: number) => W.label + (v / scale) * W.plot;
    out.push(`<g class="group" data-component="${esc(g.label)}">`);
    out.push(
      `<text x="10" y="${y0 + rowH / 2}" font-weight="${g.scale === "total" ? "bold" : "normal"}">${esc(g.label)}</text>`,
    );
    g.values.forEach((v, si) => {
      const y = y0 + si * (W.bar + W.gap);
      const colour = COLOURS[si % COLOURS.length];
      const name = esc(series[si].name);
      if (v === undefined) {
        out.push(
          `<text class="absent" data-series="${name}" x="${W.label + 4}" y="${y + W.bar - 3}" fill="#999">none</text>`,
        );
        return;
      }
      out.push(
        `<g class="bar" data-series="${name}" data-min="${v.min}" data-expected="${v.expected}" data-max="${v.max}">` +
          `<rect x="${W.label}" y="${y}" width="${Math.max(0.5, px(v.expected) - W.label).toFixed(1)}" height="${W.bar}" fill="${colour}"/>` +
          `<line x1="${px(v.min).toFixed(1)}" x2="${px(v.max).toFixed(1)}" y1="${y + W.bar / 2}" y2="${y + W.bar / 2}" stroke="#222"/>` +
          `<line x1="${px(v.max).toFixed(1)}" x2="${px(v.max).toFixed(1)}" y1="${y + 2}" y2="${y + W.bar - 2}" stroke="#222"/>` +
          `<text x="${W.label + W.plot + 8}" y="${y + W.bar - 3}">${esc(rangeText(v))}</text></g>`,
      );
    });
    out.push("</g>");
  });
  out.push("</svg>");
  return out.join("\n");
}

/**
 * The load test's report: per phase and overall, the requests, the achieved rate, p50 / p95 / p99 latency and the
 * failed share, each threshold with its verdict; a plain-text table; and an SVG chart of latency (p50, p95 per
 * second) over throughput (requests per second, failed ones drawn apart) across the run.
 */
import { percentile, type Sample } from "./run";
import type { Profile, Thresholds } from "./profiles";

export interface Row {
  name: string;
  requests: number;
  rps: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  errorRatePercent: number;
  thresholds: Thresholds | undefined;
  /** Each threshold stated and whether it held. */
  verdicts: Array<{ what: string; held: boolean }>;
}

export interface Report {
  profile: string;
  rows: Row[];
  passed: boolean;
}

const round = (v: number | null, digits = 1) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

function row(name: string, samples: readonly Sample[], seconds: number, thresholds: Thresholds | undefined): Row {
  const latencies = samples
    .filter((s) => s.status !== 0)
    .map((s) => s.latencyMs)
    .sort((a, b) => a - b);
  const errorRatePercent = samples.length === 0 ? 0 : (100 * samples.filter((s) => !s.ok).length) / samples.length;
  const p95 = percentile(latencies, 95);
  const verdicts: Row["verdicts"] = [];
  // A phase that sent nothing proves nothing: it fails rather than passing its thresholds vacuously.
  if (thresholds !== undefined && samples.length === 0) verdicts.push({ what: "requests > 0", held: false });
  else if (thresholds?.p95Ms !== undefined)
    verdicts.push({ what: `p95 < ${thresholds.p95Ms} ms`, held: p95 !== null && p95 < thresholds.p95Ms });
  if (thresholds !== undefined && samples.length > 0)
    verdicts.push({
      what: `errors < ${thresholds.errorRatePercent} %`,
      held: errorRatePercent < thresholds.errorRatePercent,
    });
  return {
    name,
    requests: samples.length,
    rps: round(samples.length / Math.max(seconds, 1e-9)) ?? 0,
    p50Ms: round(percentile(latencies, 50)),
    p95Ms: round(p95),
    p99Ms: round(percentile(latencies, 99)),
    errorRatePercent: round(errorRatePercent, 2) ?? 0,
    thresholds,
    verdicts,
  };
}

export function summarise(profile: Profile, samples: readonly Sample[]): Report {
  const rows = profile.phases.map((p, i) =>
    row(
      p.name,
      samples.filter((s) => s.phase === i),
      p.durationSeconds,
      p.thresholds,
    ),
  );
  const total = profile.phases.reduce((s, p) => s + p.durationSeconds, 0);
  rows.push(row("overall", samples, total, profile.overall));
  return { profile: profile.name, rows, passed: rows.every((r) => r.verdicts.every((v) => v.held)) };
}

export function table(report: Report): string {
  const header = ["phase", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors %", "thresholds"];
  const cells = report.rows.map((r) => [
    r.name,
    String(r.requests),
    String(r.rps),
    String(r.p50Ms ?? "-"),
    String(r.p95Ms ?? "-"),
    String(r.p99Ms ?? "-"),
    String(r.errorRatePercent),
    r.verdicts.length === 0 ? "-" : r.verdicts.map((v) => `${v.held ? "ok" : "FAIL"} ${v.what}`).join(", "),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i === 0 || i === 7 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ");
  return [
    line(header),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...cells.map(line),
    "",
    `${report.profile}: ${report.passed ? "PASSED" : "FAILED"}`,
  ].join("\n");
}

/** Per second of the run: requests started, failed ones, p50 and p95 latency. */
export function perSecond(samples: readonly Sample[], seconds: number) {
  return Array.from({ length: Math.max(1, Math.ceil(seconds)) }, (_, second) => {
    const inSecond = samples.filter((s) => s.at >= second && s.at < second + 1);
    const latencies = inSecond
      .filter((s) => s.status !== 0)
      .map((s) => s.latencyMs)
      .sort((a, b) => a - b);
    return {
      second,
      requests: inSecond.length,
      failed: inSecond.filter((s) => !s.ok).length,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
    };
  });
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The chart: latency on top (ms), throughput below (req/s), phase boundaries as dashed lines. */
export function svgChart(profile: Profile, samples: readonly Sample[]): string {
  const seconds = profile.phases.reduce((s, p) => s + p.durationSeconds, 0);
  const series = perSecond(samples, seconds);
  const W = 900;
  const H = 520;
  const left = 60;
  const right = W - 20;
  const panels = { latency: { top: 40, bottom: 250 }, throughput: { top: 300, bottom: 480 } };
  const x = (s: number) => left + ((right - left) * s) / Math.max(1, series.length - 1);
  const maxLatency = Math.max(1, ...series.map((p) => p.p95Ms ?? 0));
  const maxRps = Math.max(1, ...series.map((p) => p.requests));
  const y = (panel: { top: number; bottom: number }, v: number, max: number) =>
    panel.bottom - ((panel.bottom - panel.top) * v) / max;
  const line = (values: Array<number | null>, max: number, panel: { top: number; bottom: number }) =>
    values
      .map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(panel, v, max).toFixed(1)}`))
      .filter((p): p is string => p !== null)
      .join(" ");
  let boundary = 0;
  const boundaries = profile.phases.map((p) => {
    const at = boundary;
    boundary += p.durationSeconds;
    return `<line class="phase" x1="${x(at)}" y1="30" x2="${x(at)}" y2="${panels.throughput.bottom}" stroke="#999" stroke-dasharray="4 4"/><text x="${x(at) + 4}" y="28" font-size="11">${esc(p.name)}</text>`;
  });
  const axis = (panel: { top: number; bottom: number }, max: number, unit: string) =>
    `<line x1="${left}" y1="${panel.bottom}" x2="${right}" y2="${panel.bottom}" stroke="#333"/>` +
    `<line x1="${left}" y1="${panel.top}" x2="${left}" y2="${panel.bottom}" stroke="#333"/>` +
    `<text x="${left - 6}" y="${panel.top + 4}" font-size="11" text-anchor="end">${Math.round(max)}</text>` +
    `<text x="${left - 6}" y="${panel.bottom}" font-size="11" text-anchor="end">0</text>` +
    `<text x="10" y="${(panel.top + panel.bottom) / 2}" font-size="12">${unit}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<title>${esc(`${profile.name}: latency and throughput per second`)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    ...boundaries,
    axis(panels.latency, maxLatency, "ms"),
    `<polyline id="p95" fill="none" stroke="#d62728" stroke-width="1.5" points="${line(
      series.map((p) => p.p95Ms),
      maxLatency,
      panels.latency,
    )}"/>`,
    `<polyline id="p50" fill="none" stroke="#1f77b4" stroke-width="1.5" points="${line(
      series.map((p) => p.p50Ms),
      maxLatency,
      panels.latency,
    )}"/>`,
    `<text x="${right - 120}" y="${panels.latency.top + 12}" font-size="12" fill="#d62728">p95</text>`,
    `<text x="${right - 80}" y="${panels.latency.top + 12}" font-size="12" fill="#1f77b4">p50</text>`,
    axis(panels.throughput, maxRps, "req/s"),
    `<polyline id="throughput" fill="none" stroke="#2ca02c" stroke-width="1.5" points="${line(
      series.map((p) => p.requests),
      maxRps,
      panels.throughput,
    )}"/>`,
    `<polyline id="failed" fill="none" stroke="#ff7f0e" stroke-width="1.5" points="${line(
      series.map((p) => p.failed),
      maxRps,
      panels.throughput,
    )}"/>`,
    `<text x="${right - 160}" y="${panels.throughput.top + 12}" font-size="12" fill="#2ca02c">requests</text>`,
    `<text x="${right - 80}" y="${panels.throughput.top + 12}" font-size="12" fill="#ff7f0e">failed</text>`,
    `<text x="${left}" y="${H - 12}" font-size="11">0 s</text>`,
    `<text x="${right}" y="${H - 12}" font-size="11" text-anchor="end">${seconds} s</text>`,
    `</svg>`,
  ].join("\n");
}

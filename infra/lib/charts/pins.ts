/**
 * Offline evidence for the Helm charts the add-ons pin (infra/components/addons.ts CHARTS): each pin's entry copied
 * from its repository's `index.yaml` (chart-index.json: version, appVersion, digest, urls, and the index's date and
 * newest version), and the shape of the pinned chart's default `values.yaml` (chart-values.json), so a pin that does
 * not exist, or a value the chart does not read, fails the plan and the tests instead of `helm install`.
 *
 * Refreshing a pin: copy its entry from `<repo>/index.yaml` into chart-index.json, and regenerate its values shape
 * from the chart archive whose sha256 equals that entry's digest (or the chart's release tag).
 */
import indexData from "./chart-index.json";
import valuesData from "./chart-values.json";

/** One chart version as its repository's index lists it. */
export interface ChartIndexEntry {
  /** Helm repository URL, as `repositoryOpts.repo` names it. */
  repo: string;
  name: string;
  version: string;
  appVersion: string;
  /** sha256 of the chart archive, from the index. */
  digest: string;
  urls: string[];
  created: string;
  /** The index's `generated` time and its newest version of the chart: how far the copied index ran. */
  indexGenerated: string;
  newestInIndex: string;
  source: Record<string, string>;
}

/**
 * A chart's default values reduced to their shape: an object for each non-empty map; otherwise `scalar`, `array`,
 * `null` (a key the chart declares without a default) or `map` (an empty map the chart passes through as given).
 */
export type ValuesShape = { [key: string]: ValuesShape } | "scalar" | "array" | "null" | "map";

export const CHART_INDEX: readonly ChartIndexEntry[] = indexData.charts;

const SHAPES: ReadonlyMap<string, ValuesShape> = new Map(
  valuesData.charts.map((c) => [`${c.name}@${c.version}`, c.values as unknown as ValuesShape]),
);

/** The vendored index entry of `chart` at `version` in `repo`, or undefined when the index does not list it. */
export function indexEntry(chart: string, version: string, repo: string): ChartIndexEntry | undefined {
  const norm = (url: string) => url.replace(/\/+$/, "");
  return CHART_INDEX.find((e) => e.name === chart && e.version === version && norm(e.repo) === norm(repo));
}

/** Throws naming the pin when its chart version is not in the vendored index (helm: "chart version not found"). */
export function assertPinListed(pin: { chart: string; version: string; repo: string }): ChartIndexEntry {
  const entry = indexEntry(pin.chart, pin.version, pin.repo);
  if (entry === undefined) {
    const listed = CHART_INDEX.filter((e) => e.name === pin.chart).map(
      (e) => `${e.version} (newest ${e.newestInIndex})`,
    );
    throw new Error(
      `chart ${pin.chart} ${pin.version} from ${pin.repo} is not in the vendored index (infra/lib/charts/chart-index.json; vendored: ${listed.join(", ") || "none"}): pin a version the repository lists and copy its index entry`,
    );
  }
  return entry;
}

/** The default-values shape of a vendored chart version. */
export function valuesShape(chart: string, version: string): ValuesShape {
  const shape = SHAPES.get(`${chart}@${version}`);
  if (shape === undefined) throw new Error(`no values shape vendored for ${chart} ${version} (chart-values.json)`);
  return shape;
}

/**
 * Paths in `values` the chart does not read: a key below a map of keys that the chart's defaults lack, or an object
 * where the chart expects a scalar or a list. Below a `map`, `null` or a path in `freeForm` (a map whose keys are
 * ours by design, such as cluster-autoscaler's `extraArgs`) anything goes, as the chart passes it through.
 */
export function unknownValuePaths(values: unknown, shape: ValuesShape, freeForm: readonly string[] = []): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, at: ValuesShape, path: string[]) => {
    const here = path.join(".");
    if (freeForm.includes(here) || at === "map" || at === "null") return;
    const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
    if (typeof at === "string") {
      if (isObject) problems.push(`${here}: the chart's default is a ${at}, not a map`);
      return;
    }
    if (!isObject) {
      if (value !== null && value !== undefined) problems.push(`${here}: the chart's default is a map of keys`);
      return;
    }
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const next = at[key];
      if (next === undefined) problems.push(`${[...path, key].join(".")}: not in the chart's default values`);
      else walk(child, next, [...path, key]);
    }
  };
  walk(values, shape, []);
  return problems;
}

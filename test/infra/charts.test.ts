/**
 * The add-ons' chart pins against the vendored evidence (infra/lib/charts/): each repository's index entry and the
 * shape of each pinned chart's default values. Pure; the plan-based checks are in addons.checks.ts.
 */
import { CHARTS } from "../../infra/components/addons";
import { assertPinListed, CHART_INDEX, indexEntry, unknownValuePaths, valuesShape } from "../../infra/lib/charts/pins";

describe("chart pins", () => {
  test.each(Object.entries(CHARTS))("%s pins a chart version its repository's index lists", (_addon, pin) => {
    const entry = assertPinListed(pin);
    expect(entry).toMatchObject({ name: pin.chart, version: pin.version });
    expect(entry.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.urls.length).toBeGreaterThan(0);
  });

  test("KEDA 2.21.1 is refused: the index ran to 2.20.2 (helm: chart version not found)", () => {
    expect(() => assertPinListed({ ...CHARTS.keda, version: "2.21.1" })).toThrow(
      /chart keda 2\.21\.1 from https:\/\/kedacore\.github\.io\/charts is not in the vendored index .*2\.20\.2 \(newest 2\.20\.2\)/,
    );
    expect(indexEntry("keda", "2.20.2", "https://kedacore.github.io/charts/")).toBeDefined();
  });

  test("every vendored entry names its source and the index's date, and has a values shape", () => {
    for (const e of CHART_INDEX) {
      expect(e.source.index).toMatch(/^https:\/\/.+\/index\.yaml$/);
      expect(Date.parse(e.indexGenerated)).not.toBeNaN();
      expect(() => valuesShape(e.name, e.version)).not.toThrow();
    }
  });
});

describe("unknownValuePaths", () => {
  const lbc = () => valuesShape("aws-load-balancer-controller", "3.4.0");

  test("a key the chart does not read is named: the pod webhook's object selector is top-level in LBC 3.4.0", () => {
    expect(
      unknownValuePaths({ podMutatorWebhookConfig: { failurePolicy: "Fail", objectSelector: {} } }, lbc()),
    ).toEqual(["podMutatorWebhookConfig.objectSelector: not in the chart's default values"]);
    expect(unknownValuePaths({ objectSelector: { matchLabels: { a: "b" } } }, lbc())).toEqual([]);
  });

  test("a misspelt key and a map where the chart takes a scalar are named", () => {
    expect(unknownValuePaths({ replicaCnt: 2, clusterName: { name: "x" } }, lbc())).toEqual([
      "replicaCnt: not in the chart's default values",
    ]);
    expect(unknownValuePaths({ replicaCount: { n: 2 } }, lbc())).toEqual([
      "replicaCount: the chart's default is a scalar, not a map",
    ]);
  });

  test("below an empty map, a null default or a free-form path, any keys are the chart's to pass through", () => {
    expect(
      unknownValuePaths({ serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": "r" } } }, lbc()),
    ).toEqual([]);
    const ca = valuesShape("cluster-autoscaler", "9.54.0");
    expect(unknownValuePaths({ extraArgs: { expander: "least-waste" } }, ca)).toEqual([
      "extraArgs.expander: not in the chart's default values",
    ]);
    expect(unknownValuePaths({ extraArgs: { expander: "least-waste" } }, ca, ["extraArgs"])).toEqual([]);
  });
});

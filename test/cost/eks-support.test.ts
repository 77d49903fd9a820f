import { estimateCost } from "../../infra/lib/cost/estimate";
import { eksSupport } from "../../infra/lib/cost/rules/eks-support";
import { NO_USAGE, T, price, res } from "./support";

const cluster = (inputs: Record<string, unknown>) => res(T.eks, "cluster-eks", inputs);
const plane = (inputs: Record<string, unknown>) =>
  estimateCost([cluster(inputs)], NO_USAGE).lineItems.find((l) => l.item === "control-plane-hours")!;

describe("EKS control plane support", () => {
  it("a version past standard support without an upgrade policy is billed extended support ($0.60/h)", () => {
    const line = plane({ version: "1.31" });
    expect(line.sku).toBe("eks/cluster-extended");
    expect(price("eks/cluster-extended")).toBe(0.6);
    expect(line.monthly!.expected).toBe(Math.round(730 * 0.6 * 100) / 100);
    expect(line.note).toMatch(/left standard support on 2025-11-26 .* unset \(EXTENDED by default\)/);
  });

  it("with upgradePolicy.supportType STANDARD it stays at the standard rate: EKS upgrades the cluster instead", () => {
    const line = plane({ version: "1.31", upgradePolicy: { supportType: "STANDARD" } });
    expect(line.sku).toBe("eks/cluster");
    expect(line.note).toMatch(/EKS upgrades the cluster rather than bill extended support/);
  });

  it("a version in standard support is standard, and the note says when that ends", () => {
    const line = plane({ version: "1.35", upgradePolicy: { supportType: "STANDARD" } });
    expect(line.sku).toBe("eks/cluster");
    expect(line.note).toBe(
      "Kubernetes 1.35: standard support until 2027-03-27 (124 days); EKS then upgrades it (supportType STANDARD)",
    );
    expect(eksSupport("1.34", "EXTENDED", "2026-12-02").billed).toBe("extended");
    expect(eksSupport("1.34", "EXTENDED", "2026-12-01").billed).toBe("standard");
  });

  it("a version the calendar does not know is an unpriced line, never a guess", () => {
    const line = plane({ version: "1.25" });
    expect(line.monthly).toBeNull();
    expect(line.unpriced).toMatch(/Kubernetes 1.25 is not in the EKS support calendar/);
  });
});

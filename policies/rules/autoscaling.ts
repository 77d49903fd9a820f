/**
 * Autoscaling and disruption, seen across the stack: every Deployment's PodDisruptionBudget against its
 * autoscaler, every autoscaler against its target. Autoscalers are HPAs or KEDA ScaledObjects (which own an HPA).
 */
import { ofType, stackRule, type Rule } from "./kit";
import { DEPLOYMENT, autoscalerOf, autoscalersOf, kubeName, minimumReplicas, namespaceOf } from "./workloads";

export const PDB = ["kubernetes:policy/v1:PodDisruptionBudget"] as const;

/** Resolves an int-or-percent against `total`, rounding up as the disruption controller does. */
export function scaled(value: unknown, total: number): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^\d+%$/.test(value)) return Math.ceil((Number(value.slice(0, -1)) / 100) * total);
  return undefined;
}

function selects(selector: Record<string, unknown> | undefined, labels: Record<string, unknown> | undefined): boolean {
  const wanted = Object.entries(selector ?? {});
  return wanted.length > 0 && wanted.every(([k, v]) => labels?.[k] === v);
}

export const pdbAllowsDisruption = stackRule({
  name: "pdb-allows-disruption",
  description:
    "Every Deployment has a PodDisruptionBudget that allows at least one disruption at its smallest scale, and whose minAvailable does not exceed its autoscaler's minimum.",
  level: "M",
  sources: [
    "Polaris pdbMinAvailableGreaterThanHPAMinReplicas",
    "Polaris pdbDisruptionsIsZero",
    "kube-score deployment-has-poddisruptionbudget",
    "kube-score poddisruptionbudget-has-policy",
  ],
  check: (resources, _ctx, report) => {
    const pdbs = ofType(resources, PDB);
    const autoscalers = autoscalersOf(resources);
    for (const deployment of ofType(resources, DEPLOYMENT)) {
      const labels = deployment.props.spec?.template?.metadata?.labels;
      const pdb = pdbs.find(
        (p) => namespaceOf(p) === namespaceOf(deployment) && selects(p.props.spec?.selector?.matchLabels, labels),
      );
      if (pdb === undefined) {
        report("has no PodDisruptionBudget selecting its pods", deployment);
        continue;
      }
      const scaler = autoscalerOf(deployment, autoscalers);
      const floor =
        scaler?.min ?? (typeof deployment.props.spec?.replicas === "number" ? deployment.props.spec.replicas : 1);
      const minAvailable = scaled(pdb.props.spec?.minAvailable, floor);
      const maxUnavailable = scaled(pdb.props.spec?.maxUnavailable, floor);
      if (scaler !== undefined && minAvailable !== undefined && minAvailable > floor) {
        report(
          `PodDisruptionBudget "${pdb.name}" minAvailable ${minAvailable} exceeds the autoscaler's minimum ${floor}`,
          deployment,
        );
      } else if (minAvailable !== undefined && floor - minAvailable < 1) {
        report(
          `PodDisruptionBudget "${pdb.name}" allows no disruption at ${floor} replica(s) (minAvailable ${minAvailable})`,
          deployment,
        );
      } else if (maxUnavailable !== undefined && maxUnavailable < 1) {
        report(
          `PodDisruptionBudget "${pdb.name}" allows no disruption (maxUnavailable ${String(pdb.props.spec?.maxUnavailable)})`,
          deployment,
        );
      } else if (minAvailable === undefined && maxUnavailable === undefined) {
        report(`PodDisruptionBudget "${pdb.name}" sets neither minAvailable nor maxUnavailable`, deployment);
      }
    }
  },
});

export const autoscalerTargetsDeployment = stackRule({
  name: "autoscaler-targets-deployment",
  description:
    "Every HPA or ScaledObject targets a Deployment of this stack, and that Deployment does not set spec.replicas.",
  level: "M",
  sources: [
    "kube-score horizontalpodautoscaler-has-target",
    "kube-score deployment-targeted-by-hpa-does-not-have-replicas-configured",
  ],
  check: (resources, _ctx, report) => {
    const deployments = ofType(resources, DEPLOYMENT);
    for (const scaler of autoscalersOf(resources)) {
      const target = deployments.find(
        (d) =>
          scaler.targetKind === "Deployment" &&
          kubeName(d) === scaler.targetName &&
          namespaceOf(d) === namespaceOf(scaler.resource),
      );
      if (target === undefined) {
        report(
          `targets ${scaler.targetKind} ${JSON.stringify(scaler.targetName ?? "(none)")}, which this stack does not declare`,
          scaler.resource,
        );
      } else if (target.props.spec?.replicas !== undefined) {
        report(
          `targets Deployment "${kubeName(target)}", which sets spec.replicas and so fights the autoscaler on every deploy`,
          scaler.resource,
        );
      }
    }
  },
});

export const autoscalerMinMax = stackRule({
  name: "autoscaler-min-max",
  description: "Autoscalers keep at least two replicas (three at v2) and may scale above their minimum.",
  level: "T",
  tierOnly: true,
  sources: [
    "seed 000 §4.1/§5.1 (minReplicas 2 and 3)",
    "Polaris hpaMinAvailability",
    "Polaris hpaMaxAvailability",
    "kube-score horizontalpodautoscaler-replicas",
  ],
  check: (resources, ctx, report) => {
    const floor = minimumReplicas(ctx.tier);
    for (const scaler of autoscalersOf(resources)) {
      if (scaler.min === undefined || scaler.min < floor) {
        report(`minimum is ${String(scaler.min)}; tier ${ctx.tier} requires at least ${floor}`, scaler.resource);
      }
      if (scaler.max === undefined || scaler.min === undefined || scaler.max <= scaler.min) {
        report(`maximum ${String(scaler.max)} is not above the minimum ${String(scaler.min)}`, scaler.resource);
      }
    }
  },
});

export const autoscalingRules: readonly Rule[] = [pdbAllowsDisruption, autoscalerTargetsDeployment, autoscalerMinMax];

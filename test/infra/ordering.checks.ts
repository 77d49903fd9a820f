/**
 * The orderings a real first deploy needs, read from the plan's resource options and dependencies (issue 11 §3):
 * what the engine creates only after what. A resource's `dependencies` are everything it waits for — its explicit
 * `dependsOn` (components expanded to the resources they contain) and every resource an input refers to.
 */
import { type Plan, planStack, type PlannedResource } from "../../tools/plan/harness";
import { MOCK_ACCOUNT_ID } from "../../tools/plan/mocks";
import { PLAN_TIMEOUT_MS } from "../support/plan";

type Obj = Record<string, any>;

const T = {
  rds: "aws:rds/instance:Instance",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  release: "kubernetes:helm.sh/v3:Release",
  addon: "aws:eks/addon:Addon",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
  k8sProvider: "pulumi:providers:kubernetes",
  namespace: "kubernetes:core/v1:Namespace",
  scaledObject: "kubernetes:keda.sh/v1alpha1:ScaledObject",
  targetGroupBinding: "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding",
} as const;
/** Kinds whose pods assume the role of their service account. */
const POD_KINDS = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:Job"];
/** The label that makes the load balancer controller's webhook inject readiness gates into a namespace's pods. */
const READINESS_GATE_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject";

/** An IRSA role (trusts the cluster's OIDC provider) with the policies that grant its permissions. */
interface IrsaRole {
  role: PlannedResource;
  arn: string;
  grants: PlannedResource[];
}

export function orderingSuite(stack: string, expected: { replicas: number; search: boolean }): void {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack(stack);
  }, PLAN_TIMEOUT_MS);

  const all = (type: string) => plan.resources.filter((r) => r.type === type);
  const named = (name: string): PlannedResource => {
    const found = plan.resources.filter((r) => r.name === name);
    if (found.length !== 1) throw new Error(`${stack}: expected one resource named ${name}, found ${found.length}`);
    return found[0];
  };
  const waitsFor = (r: PlannedResource, on: PlannedResource) => r.dependencies.includes(on.name);

  const irsaRoles = (): IrsaRole[] =>
    all(T.role)
      .filter((r) => /Federated/.test(String(r.inputs.assumeRolePolicy)))
      .map((role) => ({
        role,
        arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${role.inputs.name}`,
        grants: [
          ...all(T.rolePolicy).filter((p) => p.inputs.role === `${role.name}-id`),
          ...all(T.attachment).filter((a) => a.inputs.role === role.inputs.name),
        ],
      }));

  /** What runs as the role: releases and add-ons given its ARN, and pods whose service account is annotated with it. */
  const consumersOf = (irsa: IrsaRole): PlannedResource[] => {
    const mentions = (r: PlannedResource) => JSON.stringify(r.inputs).includes(irsa.arn);
    const accounts = all(T.serviceAccount)
      .filter(mentions)
      .map((sa) => `${(sa.inputs as Obj).metadata.namespace}/${(sa.inputs as Obj).metadata.name}`);
    const pods = plan.resources.filter((r) => {
      if (!POD_KINDS.includes(r.type)) return false;
      const spec = (r.inputs as Obj).spec?.template?.spec ?? {};
      return accounts.includes(`${(r.inputs as Obj).metadata?.namespace}/${spec.serviceAccountName}`);
    });
    return [...all(T.release).filter(mentions), ...all(T.addon).filter(mentions), ...pods];
  };

  describe(`${stack}: deploy order`, () => {
    test(`the ${expected.replicas} read replica(s) of the primary are created one after another, each after the one before`, () => {
      const replicas = all(T.rds)
        .filter((r) => r.inputs.replicateSourceDb !== undefined)
        .sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
      expect(replicas).toHaveLength(expected.replicas);
      const instances = new Set(all(T.rds).map((r) => r.name));
      replicas.forEach((replica, i) => {
        // among RDS instances (a replica also waits for the log groups it exports to)
        expect(replica.options.dependsOn.filter((d) => instances.has(d))).toEqual(
          i === 0 ? [] : [replicas[i - 1].name],
        );
      });
    });

    test("every consumer of an IRSA role waits for the role's policies, not only the role", () => {
      const roles = irsaRoles();
      const checked: string[] = [];
      for (const irsa of roles) {
        expect(irsa.grants.length).toBeGreaterThan(0);
        for (const consumer of consumersOf(irsa)) {
          checked.push(consumer.name);
          for (const grant of irsa.grants) {
            if (!waitsFor(consumer, grant)) {
              throw new Error(
                `${consumer.type} ${consumer.name} uses ${irsa.role.name} but does not wait for ${grant.name}`,
              );
            }
          }
        }
      }
      // The consumers found are the ones a deploy has: nothing was skipped because it went unrecognised.
      expect(checked.sort()).toEqual(
        [
          "addons-aws-load-balancer-controller",
          "addons-aws-ebs-csi-driver",
          "addons-cluster-autoscaler",
          "addons-keda",
          "cluster-vpc-cni",
          ...(expected.search ? ["workloads-api", "workloads-worker"] : []),
        ].sort(),
      );
    });

    test("KEDA's ScaledObject waits for the KEDA release (its CRD), the TargetGroupBinding for the load balancer controller (CRD and webhook)", () => {
      const keda = all(T.release).find((r) => r.inputs.chart === "keda")!;
      const lbc = all(T.release).find((r) => r.inputs.chart === "aws-load-balancer-controller")!;
      expect(all(T.scaledObject).length).toBeGreaterThan(0);
      for (const so of all(T.scaledObject)) expect(waitsFor(so, keda)).toBe(true);
      expect(all(T.targetGroupBinding)).toHaveLength(1);
      for (const tgb of all(T.targetGroupBinding)) expect(waitsFor(tgb, lbc)).toBe(true);
    });

    // Issue 12: readiness gates keep a rolling update from emptying the target group. Only the API's namespace asks
    // for them, only API pods are sent to the webhook (chart value objectSelector), and the API waits for the
    // controller release (webhook) and its binding, so no other pod needs the webhook to be admitted.
    test("only the API's namespace asks for readiness gates, only API pods go to the webhook, and the API waits for the controller and its binding", () => {
      const labelled = all(T.namespace).filter(
        (n) => (n.inputs as Obj).metadata?.labels?.[READINESS_GATE_LABEL] !== undefined,
      );
      expect(labelled.map((n) => (n.inputs as Obj).metadata.labels[READINESS_GATE_LABEL])).toEqual(["enabled"]);
      const api = named("workloads-api");
      expect(labelled.map((n) => (n.inputs as Obj).metadata.name)).toEqual([(api.inputs as Obj).metadata.namespace]);
      const lbc = all(T.release).find((r) => r.inputs.chart === "aws-load-balancer-controller")!;
      expect((lbc.inputs as Obj).values.objectSelector).toEqual({ matchLabels: { "app.kubernetes.io/name": "api" } });
      const tgb = all(T.targetGroupBinding)[0];
      expect(api.options.dependsOn).toEqual(expect.arrayContaining([tgb.name, lbc.name]));
    });

    test("the Kubernetes provider waits for every node group (and CoreDNS), and every Kubernetes object goes through it", () => {
      const provider = all(T.k8sProvider);
      expect(provider).toHaveLength(1);
      const groups = all(T.nodeGroup);
      expect(groups.length).toBe(3);
      for (const group of groups) expect(provider[0].options.dependsOn).toContain(group.name);
      expect(provider[0].options.dependsOn).toContain(named("cluster-coredns").name);
      const objects = plan.resources.filter((r) => r.type.startsWith("kubernetes:"));
      expect(objects.filter((r) => r.options.provider !== provider[0].name).map((r) => r.name)).toEqual([]);
    });
  });
}

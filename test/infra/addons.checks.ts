/**
 * The platform add-ons every tier must keep (EKS add-ons, Helm releases and their IRSA roles), run against one
 * stack's offline plan as part of `clusterSuite` (test/infra/cluster.checks.ts).
 */
import { MOCK_ACCOUNT_ID, RESOURCE_STATE } from "../../tools/plan/mocks";
import { SYSTEM_ADDON_PODS } from "../../infra/lib/capacity";
import { autoscalerClusterTag, AUTOSCALER_ENABLED_TAG } from "../../infra/lib/addon-policies";
import { ROLE_LABEL } from "../../infra/components/cluster";
import { KUBERNETES_PINS } from "../../stacks/kubernetes";
import { ADDON_SERVICE_ACCOUNTS, CHARTS, DEFAULT_CLASS_ANNOTATION, EBS_CSI } from "../../infra/components/addons";
import type { TierName } from "../../stacks/tiers";
import { ENV, type Inputs, type PlanView, T, trust } from "./cluster.checks";

export function addonsSuite(stack: TierName, view: () => PlanView): void {
  describe(`${stack}: add-ons`, () => {
    const pins = () => KUBERNETES_PINS[view().eks.inputs.version];

    test("vpc-cni, kube-proxy, CoreDNS and the EBS CSI driver are EKS add-ons pinned for the cluster's version; vpc-cni's rights come by IRSA", () => {
      const addons = Object.fromEntries(
        view()
          .ofType(T.addon)
          .map((a) => [a.inputs.addonName, a.inputs]),
      );
      expect(Object.keys(addons).sort()).toEqual(["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]);
      expect(addons["aws-ebs-csi-driver"].addonVersion).toBe(pins().ebsCsiDriver);
      for (const addon of Object.values<Inputs>(addons))
        expect(addon.addonVersion).toMatch(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
      expect(addons["vpc-cni"].addonVersion).toBe(pins().vpcCni);
      expect(addons["kube-proxy"].addonVersion).toBe(pins().kubeProxy);
      expect(addons["coredns"].addonVersion).toBe(pins().coredns);
      const cniRole = view().irsaRole("kube-system", "aws-node");
      expect(addons["vpc-cni"].serviceAccountRoleArn).toBe(view().roleArn(cniRole));
      expect(view().attachedPolicies(cniRole)).toEqual(["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]);
    });

    test("metrics-server, KEDA, cluster-autoscaler and the Load Balancer Controller are Helm releases with pinned chart versions", () => {
      const releases = view().ofType(T.release);
      expect(releases.map((r) => r.inputs.chart).sort()).toEqual(
        Object.values(CHARTS)
          .map((c) => c.chart)
          .sort(),
      );
      for (const [addon, pin] of Object.entries(CHARTS)) {
        const r = view().release(addon as keyof typeof CHARTS).inputs;
        expect(r.version).toBe(pin.version);
        expect(r.version).toMatch(/^\d+\.\d+\.\d+$/);
        expect(r.repositoryOpts.repo).toBe(pin.repo);
        expect(r.namespace).toBe(pin.namespace);
        expect(r.atomic).toBe(true);
      }
    });

    test("add-on pods run on the system group with the requests the capacity check budgets", () => {
      const budget = (name: string) => SYSTEM_ADDON_PODS.find((p) => p.name === name)!;
      const requests = (p: { cpuMillicores: number; memoryMiB: number }) => ({
        cpu: `${p.cpuMillicores}m`,
        memory: `${p.memoryMiB}Mi`,
      });
      const system = { [ROLE_LABEL]: "system" };
      const ms = view().release("metricsServer").inputs.values;
      expect(ms.nodeSelector).toEqual(system);
      expect(ms.replicas).toBe(budget("metrics-server").replicas);
      expect(ms.resources.requests).toEqual(requests(budget("metrics-server")));
      const keda = view().release("keda").inputs.values;
      expect(keda.nodeSelector).toEqual(system);
      expect(keda.operator.replicaCount + keda.metricsServer.replicaCount + keda.webhooks.replicaCount).toBe(
        budget("keda").replicas,
      );
      for (const part of ["operator", "metricServer", "webhooks"])
        expect(keda.resources[part].requests).toEqual(requests(budget("keda")));
      const ca = view().release("clusterAutoscaler").inputs.values;
      expect(ca.nodeSelector).toEqual(system);
      expect(ca.replicaCount).toBe(budget("cluster-autoscaler").replicas);
      expect(ca.resources.requests).toEqual(requests(budget("cluster-autoscaler")));
      const lbc = view().release("loadBalancerController").inputs.values;
      expect(lbc.nodeSelector).toEqual(system);
      expect(lbc.replicaCount).toBe(budget("aws-load-balancer-controller").replicas);
      expect(lbc.resources.requests).toEqual(requests(budget("aws-load-balancer-controller")));
    });

    test("the EBS CSI driver runs the controller replicas the capacity check budgets on the system nodes, and its node plugin everywhere", () => {
      const addon = view()
        .ofType(T.addon)
        .find((a) => a.inputs.addonName === EBS_CSI.addonName)!;
      const values = JSON.parse(addon.inputs.configurationValues);
      const budget = SYSTEM_ADDON_PODS.find((p) => p.name === "ebs-csi-controller")!;
      expect(values.controller.replicaCount).toBe(budget.replicas);
      expect(values.controller.nodeSelector).toEqual({ [ROLE_LABEL]: "system" });
      // The node plugin must run on tainted api and worker nodes too; it is budgeted per node (DAEMONSET_OVERHEAD).
      expect(values.node.tolerateAllTaints).toBe(true);
    });

    test("the EBS CSI controller's IRSA role holds only AmazonEBSCSIDriverPolicy: volumes use the AWS managed key, so no KMS grant", () => {
      const role = view().irsaRole(EBS_CSI.namespace, ADDON_SERVICE_ACCOUNTS.ebsCsiDriver);
      expect(view().attachedPolicies(role)).toEqual([EBS_CSI.policyArn]);
      expect(view().inlinePolicies(role)).toEqual([]);
      const addon = view()
        .ofType(T.addon)
        .find((a) => a.inputs.addonName === EBS_CSI.addonName)!;
      expect(addon.inputs.serviceAccountRoleArn).toBe(view().roleArn(role));
      expect(
        view()
          .ofType(T.storageClass)
          .every((c) => c.inputs.parameters.kmsKeyId === undefined),
      ).toBe(true);
    });

    test("the only default StorageClass is encrypted gp3 from the EBS CSI driver, bound in the pod's zone, expandable, deleted with its claim", () => {
      const defaults = view()
        .ofType(T.storageClass)
        .filter((c) => c.inputs.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true");
      expect(defaults).toHaveLength(1);
      const gp3 = defaults[0];
      expect(gp3.inputs).toMatchObject({
        metadata: { name: "gp3" },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true" },
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
        reclaimPolicy: "Delete",
      });
    });

    test("KEDA runs with its metrics API server, which serves the worker's queue-depth trigger to the HPA", () => {
      const keda = view().release("keda").inputs;
      expect(keda.values.metricsServer.replicaCount).toBeGreaterThanOrEqual(1);
      expect(keda.createNamespace).toBe(true);
    });

    test("each add-on that calls AWS has its own IRSA role, assumable only by its exact service account", () => {
      const accounts: Array<[string, string, Inputs]> = [
        ["kube-system", "aws-node", {}],
        [
          CHARTS.clusterAutoscaler.namespace,
          ADDON_SERVICE_ACCOUNTS.clusterAutoscaler,
          view().release("clusterAutoscaler").inputs.values.rbac.serviceAccount,
        ],
        [
          CHARTS.loadBalancerController.namespace,
          ADDON_SERVICE_ACCOUNTS.loadBalancerController,
          view().release("loadBalancerController").inputs.values.serviceAccount,
        ],
        [EBS_CSI.namespace, ADDON_SERVICE_ACCOUNTS.ebsCsiDriver, {}],
      ];
      const oidcArn = RESOURCE_STATE[T.oidc](view().ofType(T.oidc)[0].inputs, "cluster-oidc", ENV).arn;
      const seen = new Set<string>();
      for (const [namespace, sa, chartAccount] of accounts) {
        const role = view().irsaRole(namespace, sa);
        seen.add(role.name);
        const [statement, ...more] = trust(role).Statement;
        expect(more).toEqual([]);
        expect(statement).toEqual({
          Effect: "Allow",
          Principal: { Federated: oidcArn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${view().issuer}:sub`]: `system:serviceaccount:${namespace}:${sa}`,
              [`${view().issuer}:aud`]: "sts.amazonaws.com",
            },
          },
        });
        // aws-node and the EBS CSI controller are EKS add-ons: EKS annotates their service accounts itself.
        if (sa !== "aws-node" && sa !== ADDON_SERVICE_ACCOUNTS.ebsCsiDriver) {
          expect(chartAccount.name).toBe(sa);
          expect(chartAccount.annotations["eks.amazonaws.com/role-arn"]).toBe(view().roleArn(role));
        }
      }
      expect(seen.size).toBe(accounts.length);
    });

    test("metrics-server gets no AWS role; of KEDA only the operator does, to query the Prometheus workspace (issue 16)", () => {
      const subjects = view()
        .ofType(T.role)
        .map((r) => JSON.stringify(trust(r)));
      expect(subjects.filter((s) => /serviceaccount:kube-system:metrics-server/.test(s))).toEqual([]);
      // The role's workspace-only policy is checked with the API's ScaledObject (workloads.checks.ts).
      expect(subjects.flatMap((s) => s.match(/system:serviceaccount:keda:[a-z-]+/g) ?? [])).toEqual([
        "system:serviceaccount:keda:keda-operator",
      ]);
    });

    test("cluster-autoscaler may resize only the Auto Scaling groups tagged as this cluster's", () => {
      const name = view().eks.inputs.name;
      const [policy] = view().inlinePolicies(view().irsaRole("kube-system", ADDON_SERVICE_ACCOUNTS.clusterAutoscaler));
      const writes = policy.Statement.filter((s: Inputs) =>
        [s.Action].flat().some((a: string) => /SetDesiredCapacity|TerminateInstance/.test(a)),
      );
      expect(writes).toHaveLength(1);
      expect(writes[0].Condition.StringEquals).toEqual({
        [`aws:ResourceTag/${autoscalerClusterTag(name)}`]: "owned",
        [`aws:ResourceTag/${AUTOSCALER_ENABLED_TAG}`]: "true",
      });
      const unconditioned = policy.Statement.filter((s: Inputs) => s.Condition === undefined).flatMap((s: Inputs) =>
        [s.Action].flat(),
      );
      expect(unconditioned.every((a: string) => /:(Describe|Get)/.test(a))).toBe(true);
      expect(policy.Statement.find((s: Inputs) => [s.Action].flat().includes("eks:DescribeNodegroup")).Resource).toBe(
        `arn:aws:eks:us-east-1:${MOCK_ACCOUNT_ID}:nodegroup/${name}/*`,
      );
    });

    test("cluster-autoscaler discovers the node groups by tag and runs the image of the cluster's Kubernetes minor", () => {
      const ca = view().release("clusterAutoscaler").inputs.values;
      expect(ca.autoDiscovery.clusterName).toBe(view().eks.inputs.name);
      expect(ca.awsRegion).toBe("us-east-1");
      expect(ca.image.tag).toBe(pins().clusterAutoscalerImageTag);
      expect(ca.image.tag.startsWith(`v${view().eks.inputs.version}.`)).toBe(true);
    });

    test("the Load Balancer Controller is told the VPC, cluster and region and may register targets in a target group it did not create", () => {
      const lbc = view().release("loadBalancerController").inputs.values;
      expect(lbc.vpcId).toBe("network-vpc-id");
      expect(lbc.clusterName).toBe(view().eks.inputs.name);
      expect(lbc.region).toBe("us-east-1");
      const [policy] = view().inlinePolicies(
        view().irsaRole("kube-system", ADDON_SERVICE_ACCOUNTS.loadBalancerController),
      );
      const register = policy.Statement.filter((s: Inputs) =>
        [s.Action].flat().includes("elasticloadbalancing:RegisterTargets"),
      );
      expect(
        register.some(
          (s: Inputs) => s.Condition === undefined && s.Resource === "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
        ),
      ).toBe(true);
    });
  });
}

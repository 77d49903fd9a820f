import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterAutoscalerPolicy } from "../lib/addon-policies";
import { type PodRequest, SYSTEM_ADDON_PODS } from "../lib/capacity";
import { assertPinListed } from "../lib/charts/pins";
import { loadBalancerControllerPolicy } from "../lib/load-balancer-controller-policy";
import { type StackContext } from "../lib/context";
import { checkedAddonVersion } from "../lib/addon-versions";
import { type Cluster, ROLE_LABEL } from "./cluster";
import { ROLE_ARN_ANNOTATION, serviceAccountRole } from "./irsa";
import { type Network } from "./network";

/** A pinned Helm chart: never "latest", so a deploy next month installs what was reviewed. */
export interface ChartPin {
  chart: string;
  version: string;
  repo: string;
  namespace: string;
  /** Helm release name (fixed, so resource names inside the cluster are stable). */
  release: string;
}

/**
 * Chart versions, each listed in its repository's index (copied to infra/lib/charts/chart-index.json, which the
 * program checks every pin against) and each supporting the pinned Kubernetes minor (1.35): metrics-server chart
 * 3.13.1 = metrics-server 0.8.1; KEDA chart 2.20.2 = KEDA 2.20.2 (the index's newest; KEDA 2.20 is tested on
 * Kubernetes 1.33-1.35, keda.sh/docs/2.20/operate/cluster); cluster-autoscaler chart 9.54.0 (image pinned to the
 * cluster's minor, see KUBERNETES_PINS); AWS Load Balancer Controller chart 3.4.0 = controller v3.4.0.
 */
export const CHARTS = {
  metricsServer: {
    chart: "metrics-server",
    version: "3.13.1",
    repo: "https://kubernetes-sigs.github.io/metrics-server/",
    namespace: "kube-system",
    release: "metrics-server",
  },
  keda: {
    chart: "keda",
    version: "2.20.2",
    repo: "https://kedacore.github.io/charts",
    namespace: "keda",
    release: "keda",
  },
  clusterAutoscaler: {
    chart: "cluster-autoscaler",
    version: "9.54.0",
    repo: "https://kubernetes.github.io/autoscaler",
    namespace: "kube-system",
    release: "cluster-autoscaler",
  },
  loadBalancerController: {
    chart: "aws-load-balancer-controller",
    version: "3.4.0",
    repo: "https://aws.github.io/eks-charts",
    namespace: "kube-system",
    release: "aws-load-balancer-controller",
  },
} as const satisfies Record<string, ChartPin>;

export type AddonName = keyof typeof CHARTS;

/** Service accounts of the add-ons that call AWS; each has its own IRSA role. */
export const ADDON_SERVICE_ACCOUNTS = {
  clusterAutoscaler: "cluster-autoscaler",
  loadBalancerController: "aws-load-balancer-controller",
  ebsCsiDriver: "ebs-csi-controller-sa",
} as const;

/** The EBS CSI driver as an EKS managed add-on: its controller's service account is fixed by the add-on. */
export const EBS_CSI = {
  addonName: "aws-ebs-csi-driver",
  namespace: "kube-system",
  /** AWS managed policy for the controller (create, attach, snapshot and delete EBS volumes it tagged). */
  policyArn: "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
  provisioner: "ebs.csi.aws.com",
} as const;

/**
 * Pods the Load Balancer Controller's pod webhook sees (chart value `objectSelector`): the API's only. With
 * `failurePolicy: Fail`, an API pod is never created without its readiness gate while the webhook is down, and no
 * other pod waits on the webhook: upstream's recommended pairing (its guide, "Pod readiness gate").
 */
export const READINESS_GATE_PODS = { "app.kubernetes.io/name": "api" } as const;
/** The namespace label under which the controller injects readiness gates. */
export const READINESS_GATE_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject";

/** The cluster's default StorageClass: encrypted gp3, bound where the pod lands (its zone), deleted with its claim. */
export const DEFAULT_STORAGE_CLASS = "gp3";
export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";

/** The requests the capacity check budgets for an add-on (infra/lib/capacity/node-groups.ts SYSTEM_ADDON_PODS). */
function budgeted(podName: string): PodRequest {
  const pod = SYSTEM_ADDON_PODS.find((p) => p.name === podName);
  if (pod === undefined) throw new Error(`add-on "${podName}" has no entry in SYSTEM_ADDON_PODS (infra/lib/capacity/)`);
  return pod;
}

/** Requests as budgeted; limits leave room for spikes (CPU 5×, memory 2×) without starving the node. */
export function resourcesOf(pod: Pick<PodRequest, "cpuMillicores" | "memoryMiB">) {
  return {
    requests: { cpu: `${pod.cpuMillicores}m`, memory: `${pod.memoryMiB}Mi` },
    limits: { cpu: `${pod.cpuMillicores * 5}m`, memory: `${pod.memoryMiB * 2}Mi` },
  };
}

/** Spread replicas over zones when a zone has room; never block scheduling on it. */
function zoneSpread(appName: string) {
  return [
    {
      maxSkew: 1,
      topologyKey: "topology.kubernetes.io/zone",
      whenUnsatisfiable: "ScheduleAnyway",
      labelSelector: { matchLabels: { "app.kubernetes.io/name": appName } },
    },
  ];
}

export interface AddonsArgs {
  /** Stack context (region, names, tags). */
  context: StackContext;
  /** The cluster: provider, name, OIDC identity for IRSA, pinned versions. */
  cluster: Cluster;
  /** The VPC: the Load Balancer Controller is told its id (pods cannot ask IMDS, hop limit 1). */
  network: Network;
  /**
   * The Prometheus workspace KEDA's prometheus triggers query (the API's requests-per-second): the KEDA operator gets
   * an IRSA role that may query only it, and signs its queries with SigV4.
   * @default none (KEDA calls no AWS API)
   */
  prometheus?: { workspaceArn: pulumi.Input<string> };
}

/** The KEDA operator's service account (chart value serviceAccount.operator.name). */
export const KEDA_OPERATOR_SERVICE_ACCOUNT = "keda-operator";

/** What KEDA's prometheus scaler calls on a workspace: the query API only (AMP IAM actions). */
export const PROMETHEUS_QUERY_ACTIONS = [
  "aps:QueryMetrics",
  "aps:GetSeries",
  "aps:GetLabels",
  "aps:GetMetricMetadata",
] as const;

/**
 * The platform add-ons autoscaling and the API's load balancer depend on, each a pinned Helm release on the system
 * node group: metrics-server (CPU and memory for the HPAs), KEDA (the worker's queue-depth ScaledObject, with its
 * metrics API server), cluster-autoscaler (nodes follow pending pods within each group's min/max) and the AWS Load
 * Balancer Controller (TargetGroupBinding of the API Service to the ALB Pulumi owns); and the EBS CSI driver as a
 * pinned EKS managed add-on with a default encrypted gp3 StorageClass (the previews' PostgreSQL and Redis volumes).
 * Add-ons that call AWS (cluster-autoscaler, Load Balancer Controller, EBS CSI controller) get their own
 * least-privilege IRSA role, and so does KEDA's operator when it queries the Prometheus workspace (the API's
 * requests-per-second trigger); metrics-server calls none. The Load Balancer Controller's is sized to what the
 * cluster uses it for (infra/lib/load-balancer-controller-policy.ts): a TargetGroupBinding only, unless the cluster
 * hosts previews, whose ALB Ingresses need the controller's full Ingress rights.
 *
 * Why cluster-autoscaler and not Karpenter: the tier table fixes one class per role and the capacity check sizes
 * managed node groups from it; cluster-autoscaler scales exactly those groups within min/max, with no extra
 * controller-owned capacity (NodePools, EC2NodeClasses, an interruption queue) that the offline plan, the policies
 * and the cost estimate could not see.
 *
 * Monthly cost: none of their own; their pods (≈ 1 vCPU, 2.5 GiB requested) run on the system nodes. EBS volumes
 * are billed per claim ($0.08/GB-month gp3).
 */
export class Addons extends pulumi.ComponentResource {
  /** Every release, by add-on. */
  readonly releases: Record<AddonName, k8s.helm.v3.Release>;
  /** KEDA: ScaledObjects depend on its CRDs. */
  readonly keda: k8s.helm.v3.Release;
  /** AWS Load Balancer Controller: TargetGroupBindings depend on its CRDs and webhook. */
  readonly loadBalancerController: k8s.helm.v3.Release;
  /** Name of the controller's IRSA role: the load balancer adds registration in its target group. */
  readonly loadBalancerControllerRoleName: pulumi.Output<string>;
  /** The controller also serves preview stacks' ALB Ingresses (`storyforge:hostsPreviews`). */
  readonly hostsPreviews: boolean;
  /** EBS CSI driver (EKS managed add-on): persistent volumes depend on it. */
  readonly ebsCsiDriver: aws.eks.Addon;
  /** The default StorageClass (encrypted gp3). */
  readonly storageClassName: pulumi.Output<string>;
  /** IRSA role ARNs of the add-ons that call AWS. */
  readonly roleArns: Record<keyof typeof ADDON_SERVICE_ACCOUNTS, pulumi.Output<string>>;
  /** The KEDA operator's role (Prometheus queries), when a workspace was given. */
  readonly kedaRoleArn: pulumi.Output<string> | undefined;

  constructor(name: string, args: AddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:compute:Addons", name, {}, opts);
    const { context, cluster, network } = args;
    const region = context.config.region;
    const nodeSelector = { [ROLE_LABEL]: "system" };
    const k8sOpts = { parent: this, provider: cluster.provider };

    const release = (
      addon: AddonName,
      values: pulumi.Input<Record<string, unknown>>,
      extra: Partial<k8s.helm.v3.ReleaseArgs> = {},
      dependsOn: pulumi.Resource[] = [],
    ) => {
      const pin: ChartPin = CHARTS[addon];
      assertPinListed(pin);
      return new k8s.helm.v3.Release(
        `${name}-${pin.release}`,
        {
          name: pin.release,
          chart: pin.chart,
          version: pin.version,
          repositoryOpts: { repo: pin.repo },
          namespace: pin.namespace,
          values,
          // A failed install or upgrade rolls back instead of leaving a half-applied release.
          atomic: true,
          cleanupOnFail: true,
          timeout: 600,
          maxHistory: 5,
          ...extra,
        },
        { ...k8sOpts, dependsOn },
      );
    };

    // metrics-server: resource metrics for the API's CPU/memory HPA and the worker's CPU trigger.
    const metricsPod = budgeted("metrics-server");
    const metricsServer = release("metricsServer", {
      replicas: metricsPod.replicas,
      resources: resourcesOf(metricsPod),
      nodeSelector,
      podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
      topologySpreadConstraints: zoneSpread("metrics-server"),
    });

    // KEDA: operator, metrics API server (serves external.metrics.k8s.io to the HPA it creates) and admission webhooks.
    // One of each: the operator is active/passive anyway, and while KEDA is down the HPA it made keeps its size.
    // KEDA's operator queries the Prometheus workspace (SigV4 via IRSA, KEDA docs "AWS (IRSA) Pod Identity Webhook"):
    // its own role, allowed to read that one workspace.
    const kedaRole =
      args.prometheus === undefined
        ? undefined
        : serviceAccountRole(`${name}-keda-operator`, {
            context,
            cluster,
            namespace: CHARTS.keda.namespace,
            serviceAccount: KEDA_OPERATOR_SERVICE_ACCOUNT,
            policy: pulumi.output(args.prometheus.workspaceArn).apply((workspaceArn) => ({
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: [...PROMETHEUS_QUERY_ACTIONS], Resource: workspaceArn }],
            })),
            parent: this,
          });
    const kedaPod = budgeted("keda");
    const kedaEach = 1;
    if (kedaPod.replicas !== 3 * kedaEach) {
      throw new Error(
        `SYSTEM_ADDON_PODS budgets ${kedaPod.replicas} KEDA pods; the release runs operator, metrics server and webhooks, ${kedaEach} each`,
      );
    }
    const keda = release(
      "keda",
      {
        operator: { replicaCount: kedaEach },
        metricsServer: { replicaCount: kedaEach },
        webhooks: { enabled: true, replicaCount: kedaEach },
        resources: {
          operator: resourcesOf(kedaPod),
          metricServer: resourcesOf(kedaPod),
          webhooks: resourcesOf(kedaPod),
        },
        nodeSelector,
        priorityClassName: "system-cluster-critical",
        ...(kedaRole === undefined
          ? {}
          : {
              serviceAccount: { operator: { create: true, name: KEDA_OPERATOR_SERVICE_ACCOUNT } },
              podIdentity: { aws: { irsa: { enabled: true, roleArn: kedaRole.arn } } },
            }),
      },
      { createNamespace: true },
      // the operator's first query must not be refused: its role's policy exists before the release starts it
      kedaRole?.grants ?? [],
    );

    // cluster-autoscaler: discovers the node groups by their ASG tags and may scale only those (IRSA policy).
    const caAccount = ADDON_SERVICE_ACCOUNTS.clusterAutoscaler;
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    const caRole = serviceAccountRole(`${name}-cluster-autoscaler`, {
      context,
      cluster,
      namespace: CHARTS.clusterAutoscaler.namespace,
      serviceAccount: caAccount,
      policy: pulumi
        .all([cluster.clusterName, identity.accountId, partition.partition])
        .apply(([clusterName, account, part]) => clusterAutoscalerPolicy(clusterName, region, account, part)),
      parent: this,
    });
    const caPod = budgeted("cluster-autoscaler");
    // The release waits for the role's policy, not only the role: its pods would otherwise start without rights.
    const clusterAutoscaler = release(
      "clusterAutoscaler",
      {
        cloudProvider: "aws",
        awsRegion: region,
        autoDiscovery: { clusterName: cluster.clusterName },
        image: { tag: cluster.pins.clusterAutoscalerImageTag },
        replicaCount: caPod.replicas,
        rbac: { serviceAccount: { create: true, name: caAccount, annotations: { [ROLE_ARN_ANNOTATION]: caRole.arn } } },
        resources: resourcesOf(caPod),
        nodeSelector,
        priorityClassName: "system-cluster-critical",
        extraArgs: {
          // Groups span the same zones; keep them even so a zone loss takes a third, not all, of a role.
          "balance-similar-node-groups": true,
          expander: "least-waste",
          "skip-nodes-with-system-pods": false,
          "scale-down-unneeded-time": "10m",
          "scale-down-delay-after-add": "10m",
        },
      },
      {},
      caRole.grants,
    );

    // AWS Load Balancer Controller: binds the API Service to the ALB target group Pulumi owns (TargetGroupBinding),
    // and on a preview host also turns the previews' Ingresses into their shared ALB.
    const hostsPreviews = context.config.cluster.hostsPreviews;
    const lbcAccount = ADDON_SERVICE_ACCOUNTS.loadBalancerController;
    const lbcRole = serviceAccountRole(`${name}-lb-controller`, {
      context,
      cluster,
      namespace: CHARTS.loadBalancerController.namespace,
      serviceAccount: lbcAccount,
      policy: pulumi
        .all([cluster.clusterName, partition.partition])
        .apply(([clusterName, part]) => loadBalancerControllerPolicy({ clusterName, hostsPreviews, partition: part })),
      parent: this,
    });
    const lbcPod = budgeted("aws-load-balancer-controller");
    const loadBalancerController = release(
      "loadBalancerController",
      {
        clusterName: cluster.clusterName,
        // Told, not discovered: IMDS is out of the pods' reach (hop limit 1).
        region,
        vpcId: network.vpcId,
        replicaCount: lbcPod.replicas,
        serviceAccount: { create: true, name: lbcAccount, annotations: { [ROLE_ARN_ANNOTATION]: lbcRole.arn } },
        resources: resourcesOf(lbcPod),
        nodeSelector,
        podDisruptionBudget: { maxUnavailable: 1 },
        topologySpreadConstraints: zoneSpread("aws-load-balancer-controller"),
        // Services of type LoadBalancer are not used; the ALB is Pulumi's.
        enableServiceMutatorWebhook: false,
        controllerConfig: { featureGates: { EnableServiceController: false } },
        // The `alb` IngressClass exists only where previews create Ingresses.
        createIngressClassResource: hostsPreviews,
        // Readiness gates: API pods are refused rather than created without one while the webhook is down.
        podMutatorWebhookConfig: { failurePolicy: "Fail" },
        objectSelector: { matchLabels: { ...READINESS_GATE_PODS } },
      },
      {},
      lbcRole.grants,
    );

    // EBS CSI driver (EKS managed add-on): since EKS 1.23 the in-tree EBS plugin is gone, and without it the
    // previews' PostgreSQL and Redis claims never bind. Its controller gets its own IRSA role; volumes are encrypted
    // with the AWS managed `aws/ebs` key (no kmsKeyId in the StorageClass), so the role needs no KMS grant.
    const ebsAccount = ADDON_SERVICE_ACCOUNTS.ebsCsiDriver;
    const ebsRole = serviceAccountRole(`${name}-ebs-csi`, {
      context,
      cluster,
      namespace: EBS_CSI.namespace,
      serviceAccount: ebsAccount,
      managedPolicyArns: [EBS_CSI.policyArn],
      parent: this,
    });
    const ebsPod = budgeted("ebs-csi-controller");
    const ebsCsiDriver = new aws.eks.Addon(
      `${name}-${EBS_CSI.addonName}`,
      {
        clusterName: cluster.clusterName,
        addonName: EBS_CSI.addonName,
        addonVersion: checkedAddonVersion(EBS_CSI.addonName, cluster.kubernetesVersion, cluster.pins.ebsCsiDriver, {
          parent: this,
        }),
        serviceAccountRoleArn: ebsRole.arn,
        // The add-on's schema follows the driver's Helm values: replicas as budgeted, controller on the system nodes,
        // the node plugin on every node (api and worker nodes are tainted) so any pod may mount a volume.
        configurationValues: JSON.stringify({
          controller: { replicaCount: ebsPod.replicas, nodeSelector },
          node: { tolerateAllTaints: true },
        }),
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        tags: context.tags(),
      },
      { parent: this, dependsOn: [...Object.values(cluster.nodeGroupResources), ...ebsRole.grants] },
    );

    // Default StorageClass: claims without a class (and the previews' claims) get encrypted gp3 in their pod's zone.
    // EKS ≥ 1.30 no longer marks its legacy `gp2` class as default, so this is the only default.
    const storageClass = new k8s.storage.v1.StorageClass(
      `${name}-gp3`,
      {
        metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: "true" } },
        provisioner: EBS_CSI.provisioner,
        parameters: { type: "gp3", encrypted: "true" },
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
        reclaimPolicy: "Delete",
      },
      { ...k8sOpts, dependsOn: [ebsCsiDriver] },
    );

    this.releases = { metricsServer, keda, clusterAutoscaler, loadBalancerController };
    this.keda = keda;
    this.loadBalancerController = loadBalancerController;
    this.loadBalancerControllerRoleName = lbcRole.role.name;
    this.hostsPreviews = hostsPreviews;
    this.ebsCsiDriver = ebsCsiDriver;
    this.storageClassName = storageClass.metadata.name;
    this.roleArns = { clusterAutoscaler: caRole.arn, loadBalancerController: lbcRole.arn, ebsCsiDriver: ebsRole.arn };
    this.kedaRoleArn = kedaRole?.arn;
    this.registerOutputs({ roleArns: this.roleArns });
  }
}

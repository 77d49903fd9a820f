/**
 * The EKS cluster and platform add-on rules every tier must keep, run against one stack's offline plan. Each
 * tier's test file calls `clusterSuite` (one plan per file: the Pulumi runtime is global).
 */
import { type Plan, planStack, type PlannedResource } from "../../tools/plan/harness";
import { RESOURCE_STATE } from "../../tools/plan/mocks";
import { SECRET_PLACEHOLDER } from "../../infra/lib/inventory";
import { checkCapacity, nodesNeeded } from "../../infra/lib/capacity";
import { autoscalerClusterTag, AUTOSCALER_ENABLED_TAG } from "../../infra/lib/addon-policies";
import { CONTROL_PLANE_LOG_TYPES, NODE_AMI_TYPE, ROLE_LABEL } from "../../infra/components/cluster";
import { KUBERNETES_PINS } from "../../stacks/kubernetes";
import { DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS } from "../../stacks/config";
import { NODE_ROLES, type NodeRole, TIERS, type TierName } from "../../stacks/tiers";
import { CHARTS } from "../../infra/components/addons";
import { addonsSuite } from "./addons.checks";
import { PLAN_TIMEOUT_MS } from "../support/plan";

export type Inputs = Record<string, any>;
/** A planned resource whose inputs are read loosely, as JSON. */
export type Res = Omit<PlannedResource, "inputs"> & { inputs: Inputs };
export const ENV = { region: "us-east-1" };

export const T = {
  cluster: "aws:eks/cluster:Cluster",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  addon: "aws:eks/addon:Addon",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  kmsKey: "aws:kms/key:Key",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  subnet: "aws:ec2/subnet:Subnet",
  release: "kubernetes:helm.sh/v3:Release",
  k8sProvider: "pulumi:providers:kubernetes",
  accessEntry: "aws:eks/accessEntry:AccessEntry",
  accessPolicy: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
  storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
} as const;

/** Lookups over one plan. */
export class PlanView {
  constructor(readonly plan: Plan) {}
  ofType(type: string): Res[] {
    return this.plan.resources.filter((r) => r.type === type);
  }
  named(name: string): Res {
    const found = (this.plan.resources as Res[]).find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name}`);
    return found;
  }
  /** The resource a mock id (`<name>-id`) points at. */
  byId(type: string, id: unknown): Res {
    const found = this.ofType(type).find((r) => `${r.name}-id` === id);
    if (!found) throw new Error(`no ${type} with id ${String(id)}`);
    return found;
  }
  get eks(): Res {
    const [only, ...rest] = this.ofType(T.cluster);
    if (!only || rest.length > 0) throw new Error(`expected one EKS cluster, found ${this.ofType(T.cluster).length}`);
    return only;
  }
  /** What the mock cloud computes for the cluster (issuer, cluster security group). */
  get eksState(): Inputs {
    return RESOURCE_STATE[T.cluster](this.eks.inputs, this.eks.name, ENV);
  }
  get issuer(): string {
    return String(this.eksState.identities[0].oidcs[0].issuer).replace(/^https:\/\//, "");
  }
  nodeGroup(role: NodeRole): Res {
    return this.named(`cluster-${role}`);
  }
  roleArn(role: Res): string {
    return RESOURCE_STATE[T.role](role.inputs, role.name, ENV).arn;
  }
  release(addon: keyof typeof CHARTS): Res {
    const found = this.ofType(T.release).find((r) => r.inputs.name === CHARTS[addon].release);
    if (!found) throw new Error(`no Helm release ${CHARTS[addon].release}`);
    return found;
  }
  /** The IRSA role whose trust policy names `namespace/serviceAccount`. */
  irsaRole(namespace: string, serviceAccount: string): Res {
    const subject = `system:serviceaccount:${namespace}:${serviceAccount}`;
    const matches = this.ofType(T.role).filter((r) => JSON.stringify(trust(r)).includes(`"${subject}"`));
    if (matches.length !== 1) throw new Error(`expected one role for ${subject}, found ${matches.length}`);
    return matches[0];
  }
  inlinePolicies(role: Res): Inputs[] {
    return this.ofType(T.rolePolicy)
      .filter((p) => p.inputs.role === `${role.name}-id`)
      .map((p) => JSON.parse(p.inputs.policy));
  }
  attachedPolicies(role: Res): string[] {
    const roleName = role.inputs.name;
    return this.ofType(T.attachment)
      .filter((a) => a.inputs.role === roleName)
      .map((a) => a.inputs.policyArn);
  }
  get privateSubnetIds(): string[] {
    return this.ofType(T.subnet)
      .filter((s) => s.inputs.tags?.["subnet-role"] === "private")
      .map((s) => `${s.name}-id`);
  }
}

export function trust(role: Res): Inputs {
  return JSON.parse(role.inputs.assumeRolePolicy);
}

export function planFor(stack: TierName, config?: Record<string, unknown>): () => PlanView {
  let view: PlanView;
  beforeAll(async () => {
    view = new PlanView(await planStack(stack, { config }));
  }, PLAN_TIMEOUT_MS);
  return () => view;
}

export function clusterSuite(stack: TierName): void {
  const tier = TIERS[stack];
  const view = planFor(stack);

  describe(`${stack}: EKS control plane`, () => {
    test("the cluster runs the pinned Kubernetes version, one in standard support with pinned add-ons", () => {
      const { version } = view().eks.inputs;
      expect(version).toBe(DEFAULT_KUBERNETES_VERSION);
      expect(KUBERNETES_VERSIONS).toContain(version);
      expect(KUBERNETES_PINS[version]).toBeDefined();
      expect(view().eks.inputs.upgradePolicy).toEqual({ supportType: "STANDARD" });
    });

    test("the API endpoint is private, with no public access unless CIDRs are configured", () => {
      const vpc = view().eks.inputs.vpcConfig;
      expect(vpc.endpointPrivateAccess).toBe(true);
      expect(vpc.endpointPublicAccess).toBe(false);
      expect(vpc.publicAccessCidrs).toBeUndefined();
    });

    test("the control plane's network interfaces are in the private subnets", () => {
      expect([...view().eks.inputs.vpcConfig.subnetIds].sort()).toEqual([...view().privateSubnetIds].sort());
      expect(view().privateSubnetIds).toHaveLength(tier.network.azCount);
    });

    test("Kubernetes secrets are envelope-encrypted with the cluster's own rotating KMS key", () => {
      const config = view().eks.inputs.encryptionConfig;
      expect(config.resources).toEqual(["secrets"]);
      const key = view()
        .ofType(T.kmsKey)
        .find((k) => config.provider.keyArn === RESOURCE_STATE[T.kmsKey](k.inputs, k.name, ENV).arn);
      expect(key?.name).toBe("cluster-key");
      expect(key?.inputs.enableKeyRotation).toBe(true);
      // The control plane may use that key, and only that key.
      const kms = view()
        .inlinePolicies(view().named("cluster-role"))
        .flatMap((p) => p.Statement);
      expect(kms).toEqual([expect.objectContaining({ Resource: config.provider.keyArn })]);
    });

    test("all five control-plane log types go to a log group with a retention", () => {
      expect([...view().eks.inputs.enabledClusterLogTypes].sort()).toEqual([...CONTROL_PLANE_LOG_TYPES].sort());
      const group = view()
        .ofType(T.logGroup)
        .find((g) => g.inputs.name === `/aws/eks/${view().eks.inputs.name}/cluster`);
      expect(group?.inputs.retentionInDays).toBeGreaterThan(0);
    });

    test("access is by EKS access entries (API mode), not the aws-auth ConfigMap", () => {
      expect(view().eks.inputs.accessConfig.authenticationMode).toBe("API");
      expect(view().eks.inputs.bootstrapSelfManagedAddons).toBe(false);
    });

    test("the cluster's name is the one the network tags its subnets with", () => {
      const tag = `kubernetes.io/cluster/${view().eks.inputs.name}`;
      for (const subnet of view()
        .ofType(T.subnet)
        .filter((s) => s.inputs.tags?.["subnet-role"] !== "data")) {
        expect(subnet.inputs.tags[tag]).toBe("shared");
      }
    });

    test("an OIDC provider for the cluster's issuer lets pods get AWS roles (IRSA) with STS as the audience", () => {
      const [oidc] = view().ofType(T.oidc);
      expect(oidc?.inputs.url).toBe(`https://${view().issuer}`);
      expect(oidc?.inputs.clientIdLists).toEqual(["sts.amazonaws.com"]);
    });

    test("the Kubernetes provider authenticates with short-lived `aws eks get-token` credentials and server-side apply", () => {
      const [provider] = view()
        .ofType(T.k8sProvider)
        .filter((p) => p.name === "cluster-k8s");
      // Provider inputs reach the engine as strings.
      expect(String(provider?.inputs.enableServerSideApply)).toBe("true");
      const kubeconfig = JSON.parse(provider.inputs.kubeconfig);
      expect(kubeconfig.users[0].user.exec.args).toEqual(
        expect.arrayContaining(["eks", "get-token", "--cluster-name", view().eks.inputs.name]),
      );
      expect(kubeconfig.users[0].user.token).toBeUndefined();
    });
  });

  describe(`${stack}: node groups`, () => {
    test("api and worker groups start at the tier's node count (seed 000 §8.1) as minimum and desired size", () => {
      const api = view().nodeGroup("api").inputs.scalingConfig;
      const worker = view().nodeGroup("worker").inputs.scalingConfig;
      expect([api.minSize, api.desiredSize]).toEqual([tier.compute.api.nodes, tier.compute.api.nodes]);
      expect([worker.minSize, worker.desiredSize]).toEqual([tier.compute.workers.nodes, tier.compute.workers.nodes]);
    });

    test("every group's maximum holds every pod its HPAs may create and is never below its minimum", () => {
      for (const role of NODE_ROLES) {
        const group = view().nodeGroup(role).inputs;
        const [instanceClass] = group.instanceTypes;
        expect(group.scalingConfig.maxSize).toBeGreaterThanOrEqual(group.scalingConfig.minSize);
        expect(group.scalingConfig.maxSize).toBeGreaterThanOrEqual(nodesNeeded(role, tier, instanceClass));
      }
      const declared = Object.fromEntries(
        NODE_ROLES.map((role) => {
          const group = view().nodeGroup(role).inputs;
          return [role, { instanceClass: group.instanceTypes[0], maxSize: group.scalingConfig.maxSize }];
        }),
      ) as Record<NodeRole, { instanceClass: string; maxSize: number }>;
      const nodeProblems = checkCapacity(tier, { nodeGroups: declared }).problems.filter((p) => / nodes: /.test(p));
      expect(nodeProblems).toEqual([]);
    });

    test("the stack output's node groups are the ones declared", () => {
      const out = view().plan.outputs.cluster as Inputs;
      for (const role of NODE_ROLES) {
        const group = view().nodeGroup(role).inputs;
        expect(out.nodeGroups[role]).toMatchObject({
          instanceClass: group.instanceTypes[0],
          minSize: group.scalingConfig.minSize,
          desiredSize: group.scalingConfig.desiredSize,
          maxSize: group.scalingConfig.maxSize,
        });
      }
    });

    test("the system group runs one node per PgBouncer replica (at least two) with a spare above what its pods need", () => {
      const system = view().nodeGroup("system").inputs;
      const min = Math.max(2, tier.workloads.pgbouncer.replicas);
      expect(system.scalingConfig.minSize).toBe(min);
      expect(system.scalingConfig.maxSize).toBe(
        Math.max(nodesNeeded("system", tier, system.instanceTypes[0]), min) + 1,
      );
    });

    test("api and worker nodes are labelled and tainted for their role; the system group is untainted", () => {
      for (const role of NODE_ROLES) {
        const group = view().nodeGroup(role).inputs;
        expect(group.labels).toEqual({ [ROLE_LABEL]: role });
        expect(group.taints ?? []).toEqual(
          role === "system" ? [] : [{ key: ROLE_LABEL, value: role, effect: "NO_SCHEDULE" }],
        );
      }
    });

    test("nodes are Graviton on the arm64 AL2023 AMI, the tier's classes for api and worker", () => {
      expect(view().nodeGroup("api").inputs.instanceTypes).toEqual([tier.compute.api.instanceClass]);
      expect(view().nodeGroup("worker").inputs.instanceTypes).toEqual([tier.compute.workers.instanceClass]);
      for (const role of NODE_ROLES) {
        expect(view().nodeGroup(role).inputs.amiType).toBe(NODE_AMI_TYPE);
        expect(view().nodeGroup(role).inputs.instanceTypes[0]).toMatch(/^[a-z]+\d+g[a-z]*\./);
      }
    });

    test("every node group runs in the private subnets only, across every zone", () => {
      for (const role of NODE_ROLES) {
        expect([...view().nodeGroup(role).inputs.subnetIds].sort()).toEqual([...view().privateSubnetIds].sort());
      }
    });

    test("launch templates require IMDSv2 with a hop limit of 1, so pods cannot reach the node's credentials", () => {
      for (const role of NODE_ROLES) {
        const lt = view().byId(T.launchTemplate, view().nodeGroup(role).inputs.launchTemplate.id);
        expect(lt.inputs.metadataOptions).toMatchObject({
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
        });
      }
    });

    test("launch templates give nodes an encrypted gp3 root volume and no SSH key", () => {
      for (const role of NODE_ROLES) {
        const lt = view().byId(T.launchTemplate, view().nodeGroup(role).inputs.launchTemplate.id);
        expect(lt.inputs.blockDeviceMappings[0].ebs).toMatchObject({ volumeType: "gp3", encrypted: "true" });
        expect(lt.inputs.keyName).toBeUndefined();
        expect(view().nodeGroup(role).inputs.remoteAccess).toBeUndefined();
      }
    });

    test("nodes are in the workload security group (the data tier admits only it) and the cluster security group", () => {
      const clusterSg = view().eksState.vpcConfig.clusterSecurityGroupId;
      for (const role of NODE_ROLES) {
        const lt = view().byId(T.launchTemplate, view().nodeGroup(role).inputs.launchTemplate.id);
        expect([...lt.inputs.vpcSecurityGroupIds].sort()).toEqual(["network-workloads-sg-id", clusterSg].sort());
      }
    });

    test("the node role can join the cluster and pull images, and holds no other permission", () => {
      const nodeRole = view().named("cluster-node-role");
      expect(trust(nodeRole).Statement).toEqual([
        expect.objectContaining({ Principal: { Service: "ec2.amazonaws.com" } }),
      ]);
      expect(view().attachedPolicies(nodeRole).sort()).toEqual([
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      ]);
      expect(view().inlinePolicies(nodeRole)).toEqual([]);
      const roleArn = view().roleArn(nodeRole);
      for (const role of NODE_ROLES) expect(view().nodeGroup(role).inputs.nodeRoleArn).toBe(roleArn);
    });

    test("node groups carry cluster-autoscaler's discovery tags for this cluster", () => {
      const name = view().eks.inputs.name;
      for (const role of NODE_ROLES) {
        expect(view().nodeGroup(role).inputs.tags).toMatchObject({
          [AUTOSCALER_ENABLED_TAG]: "true",
          [autoscalerClusterTag(name)]: "owned",
        });
      }
    });
  });

  addonsSuite(stack, view);

  describe(`${stack}: outputs`, () => {
    test("the `cluster` output names the cluster, its endpoint, OIDC provider and node groups, and holds no secret", () => {
      const out = view().plan.outputs.cluster as Inputs;
      expect(out.name).toBe(view().eks.inputs.name);
      expect(out.endpoint).toMatch(/^https:\/\//);
      expect(out.oidcProviderArn).toMatch(/:oidc-provider\//);
      expect(Object.keys(out.nodeGroups).sort()).toEqual([...NODE_ROLES].sort());
      expect(JSON.stringify(out)).not.toContain(SECRET_PLACEHOLDER);
    });
  });
}

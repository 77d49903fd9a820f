/**
 * Issue 13's 21 cases as the realistic changes a developer could make, applied to a real tier plan: each finds the
 * resource by what the plan declares (its type, the node group's role ARN, the load balancer's security groups), not
 * by a name one refactor away from changing, and names the policy that must catch it.
 */
import { evaluatePolicies, stackPolicyConfig, type Plan, type PlannedResource } from "../../policies/evaluate";
import type { PolicyTarget } from "../../policies/tier";
import { packTargetOf, planStack } from "../../tools/plan/harness";

type Inputs = Record<string, any>;

export interface Mutation {
  /** The case number and what the change is. */
  label: string;
  change: (plan: Plan) => void;
  /** The policy whose mandatory finding catches it. */
  policy: string;
  /** What the finding says. */
  message: RegExp;
}

function all(plan: Plan, type: string): PlannedResource[] {
  return plan.resources.filter((r) => r.type === type);
}

function one(plan: Plan, type: string, where: (r: PlannedResource) => boolean = () => true): PlannedResource {
  const found = all(plan, type).find(where);
  if (found === undefined) throw new Error(`the plan has no ${type} to mutate`);
  return found;
}

const named = (name: string) => (r: PlannedResource) => r.name === name;
const inputs = (r: PlannedResource) => r.inputs as Inputs;
const doc = (r: PlannedResource, key: string) => JSON.parse(String(inputs(r)[key])) as Inputs;
const setDoc = (r: PlannedResource, key: string, value: unknown) => (inputs(r)[key] = JSON.stringify(value));
const podSpec = (plan: Plan, name: string) => inputs(one(plan, T.deployment, named(name))).spec.template.spec as Inputs;
const tagsOf = (plan: Plan) => inputs(one(plan, T.ingress)).tags as unknown;

const T = {
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  deployment: "kubernetes:apps/v1:Deployment",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
};

/** The autoscaler's IRSA role and policy exist at every tier (mvp has no OpenSearch client role). */
const AUTOSCALER_ROLE = named("addons-cluster-autoscaler-role");
const AUTOSCALER_POLICY = named("addons-cluster-autoscaler-policy");

function add(plan: Plan, resource: PlannedResource): void {
  (plan.resources as PlannedResource[]).push(resource);
}

export const MUTATIONS: readonly Mutation[] = [
  {
    label: '1 an IAM policy allows "*" on "*"',
    change: (plan) => {
      const r = one(plan, T.rolePolicy, AUTOSCALER_POLICY);
      const d = doc(r, "policy");
      d.Statement[0].Action = "*";
      d.Statement[0].Resource = "*";
      setDoc(r, "policy", d);
    },
    policy: "iam-no-wildcard-actions",
    message: /allows "\*"/,
  },
  {
    label: "1b an IAM policy allows a whole service (autoscaling:*)",
    change: (plan) => {
      const r = one(plan, T.rolePolicy, AUTOSCALER_POLICY);
      const d = doc(r, "policy");
      d.Statement[0].Action = ["autoscaling:*"];
      setDoc(r, "policy", d);
    },
    policy: "iam-no-wildcard-actions",
    message: /allows "autoscaling:\*"/,
  },
  {
    label: "2 AdministratorAccess is attached to the node role",
    change: (plan) => {
      const arn = String(inputs(one(plan, T.nodeGroup)).nodeRoleArn);
      add(plan, {
        type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        name: "cluster-node-admin",
        parent: "cluster",
        inputs: { role: arn.slice(arn.lastIndexOf("/") + 1), policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
      });
    },
    policy: "iam-no-admin-managed-policies",
    message: /attaches arn:aws:iam::aws:policy\/AdministratorAccess/,
  },
  {
    label: "2b AmazonS3FullAccess is attached to the node role",
    change: (plan) => {
      const arn = String(inputs(one(plan, T.nodeGroup)).nodeRoleArn);
      add(plan, {
        type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        name: "cluster-node-s3",
        parent: "cluster",
        inputs: { role: arn.slice(arn.lastIndexOf("/") + 1), policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" },
      });
    },
    policy: "eks-node-role-least-privilege",
    message: /node role has arn:aws:iam::aws:policy\/AmazonS3FullAccess attached/,
  },
  {
    label: "3 an IRSA trust is widened to every service account (StringLike)",
    change: (plan) => {
      const r = one(plan, T.role, AUTOSCALER_ROLE);
      const d = doc(r, "assumeRolePolicy");
      const c = d.Statement[0].Condition;
      const sub = Object.keys(c.StringEquals).find((k) => k.endsWith(":sub")) as string;
      delete c.StringEquals[sub];
      c.StringLike = { [sub]: "system:serviceaccount:*" };
      setDoc(r, "assumeRolePolicy", d);
    },
    policy: "irsa-trust-scoped",
    message: /matches :sub with StringLike/,
  },
  {
    label: "4 a customer key's rotation is turned off",
    change: (plan) => (inputs(one(plan, "aws:kms/key:Key")).enableKeyRotation = false),
    policy: "kms-key-rotation",
    message: /key rotation is off/,
  },
  {
    label: "5 a node launch template's volume is unencrypted",
    change: (plan) =>
      (inputs(one(plan, "aws:ec2/launchTemplate:LaunchTemplate")).blockDeviceMappings[0].ebs.encrypted = "false"),
    policy: "launch-template-ebs-encrypted",
    message: /is not encrypted \(ebs\.encrypted "false"\)/,
  },
  {
    label: "6 the workload security group is opened to the world for debugging",
    change: (plan) =>
      add(plan, {
        type: T.ingress,
        name: "network-workloads-open",
        parent: "network",
        inputs: {
          securityGroupId: "network-workloads-sg-id",
          cidrIpv4: "0.0.0.0/0",
          ipProtocol: "tcp",
          fromPort: 3000,
          toPort: 3000,
          description: "debug",
          tags: tagsOf(plan),
        },
      }),
    policy: "sg-no-world-ingress",
    message: /admits 0\.0\.0\.0\/0 \(ports 3000–3000\)/,
  },
  {
    label: "7 the load balancer's security group admits the world instead of CloudFront",
    change: (plan) => {
      const groups = (inputs(one(plan, T.loadBalancer)).securityGroups as string[]) ?? [];
      const rule = one(plan, T.ingress, (r) => groups.includes(String(inputs(r).securityGroupId)));
      const i = inputs(rule);
      delete i.prefixListId;
      delete i.referencedSecurityGroupId;
      i.cidrIpv4 = "0.0.0.0/0";
    },
    policy: "alb-ingress-no-cidr",
    message: /admits 0\.0\.0\.0\/0 into load balancer/,
  },
  {
    label: "8 the load balancer stops dropping invalid headers",
    change: (plan) => (inputs(one(plan, T.loadBalancer)).dropInvalidHeaderFields = false),
    policy: "alb-drop-invalid-headers",
    message: /dropInvalidHeaderFields/,
  },
  {
    label: '9 a bucket policy grants Principal "*" while the public-access block stays on',
    change: (plan) => {
      const r = one(plan, "aws:s3/bucketPolicy:BucketPolicy", named("cdn-assets-policy"));
      const d = doc(r, "policy");
      d.Statement.push({ Sid: "Public", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" });
      setDoc(r, "policy", d);
    },
    policy: "s3-policy-no-public-principal",
    message: /statement Public allows "s3:GetObject" to any principal/,
  },
  {
    label: "10 CloudFront allows HTTP (with the stack's TLS-floor waiver kept)",
    change: (plan) =>
      (inputs(one(plan, "aws:cloudfront/distribution:Distribution")).defaultCacheBehavior.viewerProtocolPolicy =
        "allow-all"),
    policy: "cloudfront-viewer-https",
    message: /default cache behaviour allows HTTP/,
  },
  {
    label: "11 ECR tags become mutable",
    change: (plan) => (inputs(one(plan, "aws:ecr/repository:Repository")).imageTagMutability = "MUTABLE"),
    policy: "ecr-immutable-tags",
    message: /image tags are mutable/,
  },
  {
    label: "12 ECR stops scanning on push",
    change: (plan) =>
      (inputs(one(plan, "aws:ecr/repository:Repository")).imageScanningConfiguration = { scanOnPush: false }),
    policy: "ecr-scan-on-push",
    message: /not scanned on push/,
  },
  {
    label: "13 PgBouncer runs a third-party image on a moving tag",
    change: (plan) => (podSpec(plan, "workloads-pgbouncer-deployment").containers[0].image = "edoburu/pgbouncer:1"),
    policy: "k8s-third-party-image-fixed",
    message: /image "edoburu\/pgbouncer:1" uses a moving tag/,
  },
  {
    label: "13b a Helm add-on's image tag is latest",
    change: (plan) =>
      (inputs(one(plan, "kubernetes:helm.sh/v3:Release", named("addons-cluster-autoscaler"))).values.image = {
        tag: "latest",
      }),
    policy: "helm-release-pinned",
    message: /values\.image\.tag is "latest"/,
  },
  {
    label: "14 the worker joins the host network",
    change: (plan) => (podSpec(plan, "workloads-worker").hostNetwork = true),
    policy: "k8s-no-host-namespaces",
    message: /hostNetwork: true/,
  },
  {
    label: "15 the worker mounts the host's / with SYS_ADMIN (hostPath)",
    change: (plan) => {
      const s = podSpec(plan, "workloads-worker");
      s.volumes.push({ name: "host", hostPath: { path: "/" } });
      s.containers[0].volumeMounts = [...(s.containers[0].volumeMounts ?? []), { name: "host", mountPath: "/host" }];
      s.containers[0].securityContext.capabilities = { drop: ["ALL"], add: ["SYS_ADMIN"] };
    },
    policy: "k8s-no-hostpath",
    message: /volume "host" mounts the host path "\/"/,
  },
  {
    label: "15b ... and the SYS_ADMIN capability",
    change: (plan) => {
      podSpec(plan, "workloads-worker").containers[0].securityContext.capabilities = {
        drop: ["ALL"],
        add: ["SYS_ADMIN"],
      };
    },
    policy: "k8s-capabilities-restricted",
    message: /adds capabilities SYS_ADMIN/,
  },
  {
    label: "16 the API gets a secret as a literal env value",
    change: (plan) =>
      podSpec(plan, "workloads-api").containers[0].env.push({ name: "JWT_SECRET_FALLBACK", value: "s3cr3t" }),
    policy: "k8s-no-secret-literal-env",
    message: /sets JWT_SECRET_FALLBACK as a literal value/,
  },
  {
    label: "17 the workload namespace's Pod Security label is relaxed to privileged",
    change: (plan) =>
      (inputs(one(plan, "kubernetes:core/v1:Namespace", named("workloads-namespace"))).metadata.labels[
        "pod-security.kubernetes.io/enforce"
      ] = "privileged"),
    policy: "k8s-namespace-pss-enforced",
    message: /enforces "privileged", not restricted/,
  },
  {
    label: "18 rds.force_ssl is set to 0",
    change: (plan) => {
      const group = inputs(one(plan, "aws:rds/parameterGroup:ParameterGroup"));
      group.parameters.find((p: Inputs) => p.name === "rds.force_ssl").value = "0";
    },
    policy: "rds-force-ssl",
    message: /sets rds\.force_ssl to "0"/,
  },
  {
    label: "19 the parameter group's max_connections is below what PgBouncer's pools need",
    change: (plan) =>
      inputs(one(plan, "aws:rds/parameterGroup:ParameterGroup")).parameters.push({
        name: "max_connections",
        value: "40",
        applyMethod: "pending-reboot",
      }),
    policy: "capacity-connection-budget",
    message: /server connections ≥ max_connections 40 \(parameter group "database-params"\)/,
  },
  {
    label: "19b PgBouncer's default_pool_size is raised in its ConfigMap",
    change: (plan) => {
      const data = inputs(one(plan, "kubernetes:core/v1:ConfigMap", (r) => "pgbouncer.ini" in (inputs(r).data ?? {})))
        .data as Inputs;
      data["pgbouncer.ini"] = String(data["pgbouncer.ini"]).replace(
        /default_pool_size = \d+/,
        "default_pool_size = 2000",
      );
    },
    policy: "capacity-connection-budget",
    message: /pool 2005 \(default_pool_size 2000 \+ reserve_pool_size 5\)/,
  },
  {
    label: "20 the EKS upgrade policy is EXTENDED",
    change: (plan) => (inputs(one(plan, "aws:eks/cluster:Cluster")).upgradePolicy = { supportType: "EXTENDED" }),
    policy: "eks-standard-support",
    message: /supportType is "EXTENDED"/,
  },
  {
    label: "20b the EKS upgrade policy is removed (AWS defaults to EXTENDED)",
    change: (plan) => delete inputs(one(plan, "aws:eks/cluster:Cluster")).upgradePolicy,
    policy: "eks-standard-support",
    message: /supportType is "\(unset: EXTENDED\)"/,
  },
  {
    label: "21 a node group uses an instance class with no capacity data",
    change: (plan) => (inputs(one(plan, T.nodeGroup, (r) => r.name.endsWith("worker"))).instanceTypes = ["m6g.xlarge"]),
    policy: "capacity-known-instance-classes",
    message: /instance type "m6g\.xlarge" has no capacity data/,
  },
  {
    label: "21b an RDS instance uses a class with no capacity data",
    change: (plan) =>
      (inputs(one(plan, "aws:rds/instance:Instance", (r) => !("replicateSourceDb" in r.inputs))).instanceClass =
        "db.r6g.2xlarge"),
    policy: "capacity-known-instance-classes",
    message: /instance class "db\.r6g\.2xlarge" has no capacity data/,
  },
  {
    label: "(+) an output exports a database URL with its password in clear",
    change: (plan) => {
      const outputs = (plan.outputs ?? {}) as Inputs;
      outputs.postgres = {
        ...outputs.postgres,
        url: "postgres://storyforge_admin:hunter2hunter2@db.internal/storyforge",
      };
      plan.outputs = outputs;
    },
    policy: "stack-outputs-secret-masked",
    message: /outputs\.postgres\.url holds a credential in clear/,
  },
  {
    label: "(+) an output exports a password unmasked",
    change: (plan) => {
      const outputs = (plan.outputs ?? {}) as Inputs;
      outputs.redis = { ...outputs.redis, authToken: "0123456789abcdef0123456789abcdef" };
      plan.outputs = outputs;
    },
    policy: "stack-outputs-secret-masked",
    message: /outputs\.redis\.authToken is not a secret output/,
  },
];

/**
 * Plans `stack` with the real program, then applies each mutation to a copy of the plan and runs every rule with
 * the stack's own waivers (policies/config.<stack>.json), as `npm run plan` and the CLI would.
 */
export function describeMutations(stack: string): void {
  describe(`issue 13's cases on the real ${stack} plan`, () => {
    let plan: Plan;
    let tier: PolicyTarget;
    beforeAll(async () => {
      tier = packTargetOf(stack, { env: undefined });
      plan = await planStack(stack);
    }, 120_000);

    const evaluate = (p: Plan) => evaluatePolicies(p, tier, { config: stackPolicyConfig(stack) });

    it("the plan as shipped has no mandatory finding, so every finding below comes from its change", () => {
      expect(evaluate(plan).filter((f) => f.enforcement === "mandatory")).toEqual([]);
    });

    it.each(MUTATIONS.map((m) => ({ ...m })))(
      "$label: caught by $policy (mandatory)",
      ({ change, policy, message }) => {
        const changed = structuredClone(plan);
        change(changed);
        const found = evaluate(changed).filter((f) => f.policy === policy);
        expect(found.map((f) => f.enforcement)).toContain("mandatory");
        expect(found.map((f) => f.message)).toContainEqual(expect.stringMatching(message));
      },
    );
  });
}

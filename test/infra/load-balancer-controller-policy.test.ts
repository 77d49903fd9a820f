/**
 * The AWS Load Balancer Controller's IAM policy (infra/lib/load-balancer-controller-policy.ts), pure: what a
 * TargetGroupBinding needs everywhere, and the previews' Ingress rights only where previews run, scoped.
 */
import {
  loadBalancerControllerPolicy,
  protectLoadBalancerPolicy,
  TARGET_GROUP_BINDING_READS,
  targetRegistrationPolicy,
  type PolicyStatement,
} from "../../infra/lib/load-balancer-controller-policy";

const CLUSTER = "storyforge-v1-cluster";
const actionsOf = (statements: PolicyStatement[]) => statements.flatMap((s) => s.Action);
const TG =
  "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/storyforge-v1-api-origin-tg/0123456789abcdef";
const ALB =
  "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/storyforge-v1-api-origin/fedcba9876543210";

test("a cluster without previews: the TargetGroupBinding's reads and nothing that writes", () => {
  const policy = loadBalancerControllerPolicy({ clusterName: CLUSTER, hostsPreviews: false });
  expect(policy.Statement).toEqual([
    { Sid: "TargetGroupBindingReads", Effect: "Allow", Action: [...TARGET_GROUP_BINDING_READS], Resource: "*" },
  ]);
  expect(actionsOf(policy.Statement).every((a) => /:Describe/.test(a))).toBe(true);
});

test("target registration names exactly the one target group", () => {
  expect(targetRegistrationPolicy(TG).Statement).toEqual([
    {
      Sid: "RegisterApiTargets",
      Effect: "Allow",
      Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
      Resource: TG,
    },
  ]);
});

describe("a preview host", () => {
  const policy = loadBalancerControllerPolicy({ clusterName: CLUSTER, hostsPreviews: true });
  const withAction = (action: string) => policy.Statement.filter((s) => s.Action.includes(action));

  test("opens security groups only where they carry the cluster's tag or the controller's (upstream's recommended scoping)", () => {
    const opens = withAction("ec2:AuthorizeSecurityGroupIngress");
    expect(opens.length).toBeGreaterThan(0);
    for (const s of opens) expect(s.Condition?.Null).toBeDefined();
    expect(
      opens
        .map((s) => Object.keys(s.Condition!.Null))
        .flat()
        .sort(),
    ).toEqual(["aws:ResourceTag/elbv2.k8s.aws/cluster", `aws:ResourceTag/kubernetes.io/cluster/${CLUSTER}`]);
    for (const s of opens) expect(Object.values(s.Condition!.Null)).toEqual(["false"]);
  });

  test("registers targets only in the controller's own k8s- target groups", () => {
    expect(withAction("elasticloadbalancing:RegisterTargets").map((s) => s.Resource)).toEqual([
      "arn:aws:elasticloadbalancing:*:*:targetgroup/k8s-*/*",
    ]);
  });

  test("keeps every statement upstream needs for Ingresses, and no Deny that could break them", () => {
    const actions = actionsOf(policy.Statement);
    for (const a of [
      "elasticloadbalancing:CreateLoadBalancer",
      "elasticloadbalancing:CreateTargetGroup",
      "elasticloadbalancing:CreateListener",
      "elasticloadbalancing:CreateRule",
      "elasticloadbalancing:ModifyRule",
      "ec2:CreateSecurityGroup",
      "acm:ListCertificates",
    ])
      expect(actions).toContain(a);
    expect(policy.Statement.every((s) => s.Effect === "Allow")).toBe(true);
  });

  test("the Pulumi-owned ALB, its listeners, rules and target group are denied to it", () => {
    const [deny] = protectLoadBalancerPolicy(ALB, TG).Statement;
    expect(deny.Effect).toBe("Deny");
    expect(deny.Resource).toEqual([
      ALB,
      "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/storyforge-v1-api-origin/fedcba9876543210/*",
      "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/storyforge-v1-api-origin/fedcba9876543210/*",
      TG,
    ]);
    expect(deny.Action).not.toContain("elasticloadbalancing:RegisterTargets");
  });
});

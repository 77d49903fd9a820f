/**
 * IAM policy of the AWS Load Balancer Controller (v3.4.0), as pure data. Two uses, two sizes:
 *
 * - Every cluster: the controller reconciles the API's TargetGroupBinding, which binds the API Service to a target
 *   group Pulumi owns. Read from the controller's code at v3.4.0: it reads the target group (webhooks'
 *   defaulting and validation, `DescribeTargetGroups`), its health (`DescribeTargetHealth`, which also drives pod
 *   readiness gates), the VPC (`DescribeVpcs`, to decide `AvailabilityZone: all`) and the cluster-tagged security
 *   groups (`DescribeSecurityGroups`, garbage collection of rules it would add for `spec.networking`, which is
 *   unset), and registers targets. `vpcId` and `region` are passed, so nothing is looked up at start-up. The target
 *   registration statement names the one target group (`targetRegistrationPolicy`, attached by the load balancer
 *   component once the target group exists).
 * - A cluster that hosts previews (`storyforge:hostsPreviews`): preview stacks create ALB Ingresses in it, so the
 *   controller also creates and owns load balancers, target groups, listeners, rules and security groups. Those
 *   statements follow upstream's iam_policy.json (aws-load-balancer-controller/docs/install/iam_policy.json),
 *   narrowed where the controller's own naming or upstream's documented scoping allows: security-group ingress
 *   writes only on groups tagged `kubernetes.io/cluster/<cluster>` (upstream's installation guide: "We recommend
 *   further scoping down") or by the controller, and target registration only in the controller's `k8s-` target
 *   groups (pkg/ingress/model_build_target_group.go). Listener and rule writes stay on `*` as upstream grants them
 *   (which of them accept resource-level permissions could not be checked offline); the load balancer component
 *   denies them on the Pulumi-owned ALB.
 */

/** Tag the controller puts on everything it creates. */
export const CONTROLLER_TAG = "elbv2.k8s.aws/cluster";
/** Name prefix of the load balancers, target groups and security groups the controller creates for Ingresses. */
export const CONTROLLER_NAME_PREFIX = "k8s-";

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** What every TargetGroupBinding needs besides registering targets in its own target group. */
export const TARGET_GROUP_BINDING_READS = [
  "elasticloadbalancing:DescribeTargetGroups",
  "elasticloadbalancing:DescribeTargetHealth",
  "ec2:DescribeVpcs",
  "ec2:DescribeSecurityGroups",
] as const;

export interface ControllerPolicyArgs {
  /** The EKS cluster's name: the tag `kubernetes.io/cluster/<name>` marks the security groups it may open. */
  clusterName: string;
  /** The cluster hosts preview stacks' ALB Ingresses (`storyforge:hostsPreviews`). */
  hostsPreviews: boolean;
  /** @default "aws" */
  partition?: string;
}

/** The controller's policy for a cluster; target registration in the API's target group is attached separately. */
export function loadBalancerControllerPolicy(args: ControllerPolicyArgs): PolicyDocument {
  const reads: PolicyStatement = {
    Sid: "TargetGroupBindingReads",
    Effect: "Allow",
    Action: [...TARGET_GROUP_BINDING_READS],
    Resource: "*",
  };
  return {
    Version: "2012-10-17",
    Statement: args.hostsPreviews ? [reads, ...ingressStatements(args)] : [reads],
  };
}

/** Registration of targets in exactly one target group (the API's), which the controller did not create. */
export function targetRegistrationPolicy(targetGroupArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "RegisterApiTargets",
        Effect: "Allow",
        Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
        Resource: targetGroupArn,
      },
    ],
  };
}

/**
 * Keeps a controller that may write listeners and rules on `*` (a preview host) off the ALB Pulumi owns: its
 * listeners, rules and attributes. Where an action takes no resource-level permission the statement does not
 * apply, so it can only remove access, never break the previews' own load balancers.
 */
export function protectLoadBalancerPolicy(loadBalancerArn: string, targetGroupArn: string): PolicyDocument {
  const listeners = loadBalancerArn.replace(":loadbalancer/app/", ":listener/app/");
  const rules = loadBalancerArn.replace(":loadbalancer/app/", ":listener-rule/app/");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "NeverChangeThePulumiLoadBalancer",
        Effect: "Deny",
        Action: [
          "elasticloadbalancing:CreateListener",
          "elasticloadbalancing:DeleteListener",
          "elasticloadbalancing:ModifyListener",
          "elasticloadbalancing:ModifyListenerAttributes",
          "elasticloadbalancing:CreateRule",
          "elasticloadbalancing:DeleteRule",
          "elasticloadbalancing:ModifyRule",
          "elasticloadbalancing:SetRulePriorities",
          "elasticloadbalancing:AddListenerCertificates",
          "elasticloadbalancing:RemoveListenerCertificates",
          "elasticloadbalancing:SetWebAcl",
          "elasticloadbalancing:SetSecurityGroups",
          "elasticloadbalancing:SetSubnets",
          "elasticloadbalancing:SetIpAddressType",
          "elasticloadbalancing:ModifyLoadBalancerAttributes",
          "elasticloadbalancing:DeleteLoadBalancer",
          "elasticloadbalancing:ModifyTargetGroup",
          "elasticloadbalancing:ModifyTargetGroupAttributes",
          "elasticloadbalancing:DeleteTargetGroup",
          "elasticloadbalancing:AddTags",
          "elasticloadbalancing:RemoveTags",
        ],
        Resource: [loadBalancerArn, `${listeners}/*`, `${rules}/*`, targetGroupArn],
      },
    ],
  };
}

function ingressStatements(args: ControllerPolicyArgs): PolicyStatement[] {
  const partition = args.partition ?? "aws";
  const elb = (kind: string) => `arn:${partition}:elasticloadbalancing:*:*:${kind}`;
  const securityGroups = `arn:${partition}:ec2:*:*:security-group/*`;
  const controllerLoadBalancers = [elb("targetgroup/*/*"), elb("loadbalancer/net/*/*"), elb("loadbalancer/app/*/*")];
  const tagged = { Null: { [`aws:ResourceTag/${CONTROLLER_TAG}`]: "false" } };
  return [
    {
      Sid: "IngressServiceLinkedRole",
      Effect: "Allow",
      Action: ["iam:CreateServiceLinkedRole"],
      Resource: "*",
      Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
    },
    {
      Sid: "IngressDiscovery",
      Effect: "Allow",
      Action: [
        "ec2:DescribeAccountAttributes",
        "ec2:DescribeAddresses",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeVpcPeeringConnections",
        "ec2:DescribeSubnets",
        "ec2:DescribeInstances",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeTags",
        "ec2:GetCoipPoolUsage",
        "ec2:DescribeCoipPools",
        "ec2:GetSecurityGroupsForVpc",
        "ec2:DescribeIpamPools",
        "ec2:DescribeRouteTables",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeListenerCertificates",
        "elasticloadbalancing:DescribeSSLPolicies",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTrustStores",
        "elasticloadbalancing:DescribeListenerAttributes",
        "elasticloadbalancing:DescribeCapacityReservation",
      ],
      Resource: "*",
    },
    {
      Sid: "IngressCertificatesAndProtection",
      Effect: "Allow",
      Action: [
        "cognito-idp:DescribeUserPoolClient",
        "acm:ListCertificates",
        "acm:DescribeCertificate",
        "iam:ListServerCertificates",
        "iam:GetServerCertificate",
        "waf-regional:GetWebACL",
        "waf-regional:GetWebACLForResource",
        "waf-regional:AssociateWebACL",
        "waf-regional:DisassociateWebACL",
        "wafv2:GetWebACL",
        "wafv2:GetWebACLForResource",
        "wafv2:AssociateWebACL",
        "wafv2:DisassociateWebACL",
        "shield:GetSubscriptionState",
        "shield:DescribeProtection",
        "shield:CreateProtection",
        "shield:DeleteProtection",
      ],
      Resource: "*",
    },
    {
      // Upstream grants these on every group; its install guide recommends this cluster-tag scoping. The pods'
      // ENIs carry the EKS cluster security group (tagged kubernetes.io/cluster/<name>), never the data tier's.
      Sid: "IngressOpensOnlyClusterSecurityGroups",
      Effect: "Allow",
      Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
      Resource: securityGroups,
      Condition: { Null: { [`aws:ResourceTag/kubernetes.io/cluster/${args.clusterName}`]: "false" } },
    },
    { Sid: "IngressCreateSecurityGroup", Effect: "Allow", Action: ["ec2:CreateSecurityGroup"], Resource: "*" },
    {
      Sid: "IngressTagNewSecurityGroups",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: securityGroups,
      Condition: {
        StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" },
        Null: { [`aws:RequestTag/${CONTROLLER_TAG}`]: "false" },
      },
    },
    {
      Sid: "IngressRetagOwnSecurityGroups",
      Effect: "Allow",
      Action: ["ec2:CreateTags", "ec2:DeleteTags"],
      Resource: securityGroups,
      Condition: {
        Null: { [`aws:RequestTag/${CONTROLLER_TAG}`]: "true", [`aws:ResourceTag/${CONTROLLER_TAG}`]: "false" },
      },
    },
    {
      Sid: "IngressOwnSecurityGroups",
      Effect: "Allow",
      Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
      Resource: "*",
      Condition: tagged,
    },
    {
      Sid: "IngressCreateTaggedLoadBalancers",
      Effect: "Allow",
      Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
      Resource: "*",
      Condition: { Null: { [`aws:RequestTag/${CONTROLLER_TAG}`]: "false" } },
    },
    {
      Sid: "IngressListenersAndRules",
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:CreateListener",
        "elasticloadbalancing:DeleteListener",
        "elasticloadbalancing:CreateRule",
        "elasticloadbalancing:DeleteRule",
      ],
      Resource: "*",
    },
    {
      Sid: "IngressRetagOwnLoadBalancers",
      Effect: "Allow",
      Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      Resource: controllerLoadBalancers,
      Condition: {
        Null: { [`aws:RequestTag/${CONTROLLER_TAG}`]: "true", [`aws:ResourceTag/${CONTROLLER_TAG}`]: "false" },
      },
    },
    {
      Sid: "IngressTagListenersAndRules",
      Effect: "Allow",
      Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      Resource: [
        elb("listener/net/*/*/*"),
        elb("listener/app/*/*/*"),
        elb("listener-rule/net/*/*/*"),
        elb("listener-rule/app/*/*/*"),
      ],
    },
    {
      Sid: "IngressModifyOwnLoadBalancers",
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:SetIpAddressType",
        "elasticloadbalancing:SetSecurityGroups",
        "elasticloadbalancing:SetSubnets",
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes",
        "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:ModifyListenerAttributes",
        "elasticloadbalancing:ModifyCapacityReservation",
        "elasticloadbalancing:ModifyIpPools",
      ],
      Resource: "*",
      Condition: tagged,
    },
    {
      Sid: "IngressTagOnCreate",
      Effect: "Allow",
      Action: ["elasticloadbalancing:AddTags"],
      Resource: controllerLoadBalancers,
      Condition: {
        StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] },
        Null: { [`aws:RequestTag/${CONTROLLER_TAG}`]: "false" },
      },
    },
    {
      // Upstream: every target group in the account. Ingress target groups are always named k8s-<ns>-<svc>-<hash>.
      Sid: "IngressRegistersInOwnTargetGroups",
      Effect: "Allow",
      Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
      Resource: elb(`targetgroup/${CONTROLLER_NAME_PREFIX}*/*`),
    },
    {
      Sid: "IngressListenerAndRuleSettings",
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:SetWebAcl",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:AddListenerCertificates",
        "elasticloadbalancing:RemoveListenerCertificates",
        "elasticloadbalancing:ModifyRule",
        "elasticloadbalancing:SetRulePriorities",
      ],
      Resource: "*",
    },
  ];
}

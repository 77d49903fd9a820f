/**
 * IAM policy documents of the platform add-ons that call AWS, as pure data so tests read them without a runtime.
 * Each is attached to that add-on's own IRSA role (infra/components/irsa.ts), never to the node role.
 */

/** Tag key that opts an Auto Scaling group into cluster-autoscaler's auto-discovery. */
export const AUTOSCALER_ENABLED_TAG = "k8s.io/cluster-autoscaler/enabled";

/** Tag key that says which cluster owns an Auto Scaling group (value `owned`). */
export function autoscalerClusterTag(clusterName: string): string {
  return `k8s.io/cluster-autoscaler/${clusterName}`;
}

/**
 * cluster-autoscaler on AWS (cluster-autoscaler/cloudprovider/aws/README.md, "Full Cluster Autoscaler Features
 * Policy"): it may change the size of, and terminate instances in, only the Auto Scaling groups tagged as this
 * cluster's and enabled; everything else is read-only describing. `eks:DescribeNodegroup` is limited to this
 * cluster's node groups.
 */
export function clusterAutoscalerPolicy(
  clusterName: string,
  region: string,
  accountId: string,
  partition = "aws",
): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ScaleOnlyThisClustersGroups",
        Effect: "Allow",
        Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
        Resource: "*",
        Condition: {
          StringEquals: {
            [`aws:ResourceTag/${autoscalerClusterTag(clusterName)}`]: "owned",
            [`aws:ResourceTag/${AUTOSCALER_ENABLED_TAG}`]: "true",
          },
        },
      },
      {
        Sid: "DescribeForDiscovery",
        Effect: "Allow",
        Action: [
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeAutoScalingInstances",
          "autoscaling:DescribeLaunchConfigurations",
          "autoscaling:DescribeScalingActivities",
          "autoscaling:DescribeTags",
          "ec2:DescribeImages",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplateVersions",
          "ec2:GetInstanceTypesFromInstanceRequirements",
        ],
        Resource: "*",
      },
      {
        Sid: "DescribeThisClustersNodeGroups",
        Effect: "Allow",
        Action: ["eks:DescribeNodegroup"],
        Resource: `arn:${partition}:eks:${region}:${accountId}:nodegroup/${clusterName}/*`,
      },
    ],
  };
}

const ELB_TAG = "elbv2.k8s.aws/cluster";
const LOAD_BALANCERS = [
  "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
  "arn:aws:elasticloadbalancing:*:*:loadbalancer/net/*/*",
  "arn:aws:elasticloadbalancing:*:*:loadbalancer/app/*/*",
];

/**
 * The AWS Load Balancer Controller's published policy, unchanged for v3.x:
 * https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/main/docs/install/iam_policy.json.
 * The controller changes only load balancers, target groups and security groups it tagged itself (`elbv2.k8s.aws/cluster`), except target registration, which
 * a TargetGroupBinding needs on the target group Pulumi owns: `RegisterTargets`/`DeregisterTargets` on target groups.
 */
export function loadBalancerControllerPolicy(): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["iam:CreateServiceLinkedRole"],
        Resource: "*",
        Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
      },
      {
        Effect: "Allow",
        Action: [
          "ec2:DescribeAccountAttributes",
          "ec2:DescribeAddresses",
          "ec2:DescribeAvailabilityZones",
          "ec2:DescribeInternetGateways",
          "ec2:DescribeVpcs",
          "ec2:DescribeVpcPeeringConnections",
          "ec2:DescribeSubnets",
          "ec2:DescribeSecurityGroups",
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
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetGroupAttributes",
          "elasticloadbalancing:DescribeTargetHealth",
          "elasticloadbalancing:DescribeTags",
          "elasticloadbalancing:DescribeTrustStores",
          "elasticloadbalancing:DescribeListenerAttributes",
          "elasticloadbalancing:DescribeCapacityReservation",
        ],
        Resource: "*",
      },
      {
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
        Effect: "Allow",
        Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
        Resource: "*",
      },
      { Effect: "Allow", Action: ["ec2:CreateSecurityGroup"], Resource: "*" },
      {
        Effect: "Allow",
        Action: ["ec2:CreateTags"],
        Resource: "arn:aws:ec2:*:*:security-group/*",
        Condition: {
          StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" },
          Null: { [`aws:RequestTag/${ELB_TAG}`]: "false" },
        },
      },
      {
        Effect: "Allow",
        Action: ["ec2:CreateTags", "ec2:DeleteTags"],
        Resource: "arn:aws:ec2:*:*:security-group/*",
        Condition: { Null: { [`aws:RequestTag/${ELB_TAG}`]: "true", [`aws:ResourceTag/${ELB_TAG}`]: "false" } },
      },
      {
        Effect: "Allow",
        Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
        Resource: "*",
        Condition: { Null: { [`aws:ResourceTag/${ELB_TAG}`]: "false" } },
      },
      {
        Effect: "Allow",
        Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
        Resource: "*",
        Condition: { Null: { [`aws:RequestTag/${ELB_TAG}`]: "false" } },
      },
      {
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
        Effect: "Allow",
        Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
        Resource: LOAD_BALANCERS,
        Condition: { Null: { [`aws:RequestTag/${ELB_TAG}`]: "true", [`aws:ResourceTag/${ELB_TAG}`]: "false" } },
      },
      {
        Effect: "Allow",
        Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
        Resource: [
          "arn:aws:elasticloadbalancing:*:*:listener/net/*/*/*",
          "arn:aws:elasticloadbalancing:*:*:listener/app/*/*/*",
          "arn:aws:elasticloadbalancing:*:*:listener-rule/net/*/*/*",
          "arn:aws:elasticloadbalancing:*:*:listener-rule/app/*/*/*",
        ],
      },
      {
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
        Condition: { Null: { [`aws:ResourceTag/${ELB_TAG}`]: "false" } },
      },
      {
        Effect: "Allow",
        Action: ["elasticloadbalancing:AddTags"],
        Resource: LOAD_BALANCERS,
        Condition: {
          StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] },
          Null: { [`aws:RequestTag/${ELB_TAG}`]: "false" },
        },
      },
      {
        // What a TargetGroupBinding on a target group created outside the controller (here: by Pulumi) needs.
        Effect: "Allow",
        Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
        Resource: "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
      },
      {
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
    ],
  };
}

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

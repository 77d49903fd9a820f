/**
 * EKS access entries and the role that deploys: EKS gives the cluster's creator an entry of its own
 * (bootstrapClusterCreatorAdminPermissions), so the program must not declare a second one for it.
 */
import { PROJECT } from "../../stacks/config";

/** `arn:<partition>:iam::<account>:role/<path/>name`, split so paths do not hide a match. */
const ROLE_ARN = /^arn:([a-z-]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/** Two IAM role ARNs name the same role (same partition, account and role name; paths aside). */
export function sameIamRole(a: string, b: string): boolean {
  const [ma, mb] = [ROLE_ARN.exec(a), ROLE_ARN.exec(b)];
  return ma !== null && mb !== null && ma[1] === mb[1] && ma[2] === mb[2] && ma[3] === mb[3];
}

/**
 * The problem with an access entry for `roleArn` when `deployerRoleArn` (the IAM role behind the session running
 * `pulumi up`) is that role: EKS already made the cluster creator's entry (bootstrapClusterCreatorAdminPermissions),
 * so CreateAccessEntry answers ResourceInUseException. The flag is ForceNew and stays on: leave the key empty.
 */
export function creatorEntryProblem(key: string, roleArn: string, deployerRoleArn: string): string | undefined {
  if (!sameIamRole(roleArn, deployerRoleArn)) return undefined;
  return `${PROJECT}:${key} ${roleArn} is the role deploying the stack (${deployerRoleArn}), which EKS gives cluster-admin as the cluster's creator (bootstrapClusterCreatorAdminPermissions); a second access entry for it fails with ResourceInUseException. Leave ${PROJECT}:${key} empty, or deploy with another role.`;
}

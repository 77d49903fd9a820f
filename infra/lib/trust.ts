/**
 * Trust and resource policies that let an AWS service act for this stack, with the confused-deputy conditions
 * that service documents: `aws:SourceAccount` (requests made for this account only) and, where the service sends
 * it, `aws:SourceArn` (for this resource only). A key the service does not send makes every request fail the
 * condition, so each caller adds only what its service's guide lists (the table in README "Least privilege").
 */

export interface DeputyConditions<T> {
  /** The account the service must act for. */
  sourceAccount: T;
  /** ARN pattern of the resources the service must act for (ArnLike), when the service sends `aws:SourceArn`. */
  sourceArn?: T;
}

/** The `Condition` block: StringEquals on the account, ArnLike on the source ARN. */
export function deputyCondition<T>(c: DeputyConditions<T>): Record<string, Record<string, T>> {
  return {
    StringEquals: { "aws:SourceAccount": c.sourceAccount },
    ...(c.sourceArn !== undefined ? { ArnLike: { "aws:SourceArn": c.sourceArn } } : {}),
  };
}

/** An assume-role policy for one service principal, conditioned as above. */
export function serviceTrustPolicy<T>(service: string, c: DeputyConditions<T>) {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", Condition: deputyCondition(c) },
    ],
  };
}

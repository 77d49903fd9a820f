/**
 * IAM roles for service accounts (IRSA): a role that only one Kubernetes service account of one cluster can
 * assume, through the cluster's OIDC provider. Add-ons and workloads that call AWS get one each, so no pod relies on
 * the node role (which has no application permissions) and a compromised pod gets only its own rights.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { StackContext } from "../lib/context";
import { NAME_LIMITS } from "../lib/naming";

/** What a role needs from the cluster: its OIDC provider and issuer. `Cluster` satisfies it. */
export interface OidcIdentity {
  /** ARN of the cluster's IAM OIDC provider. */
  readonly oidcProviderArn: pulumi.Output<string>;
  /** The issuer without `https://`, e.g. `oidc.eks.us-east-1.amazonaws.com/id/ABC`. */
  readonly oidcIssuer: pulumi.Output<string>;
}

/** The audience EKS's pod identity webhook requests tokens for. */
export const IRSA_AUDIENCE = "sts.amazonaws.com";

/** The `sub` claim of a service account's projected token. */
export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

/**
 * The trust policy of an IRSA role: web identity from the cluster's OIDC provider, for exactly one service account
 * (`StringEquals` on `sub`, never `StringLike`) and only for STS tokens (`aud`).
 */
export function irsaTrustPolicy(providerArn: string, issuer: string, namespace: string, serviceAccount: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: serviceAccountSubject(namespace, serviceAccount),
            [`${issuer}:aud`]: IRSA_AUDIENCE,
          },
        },
      },
    ],
  };
}

/** The annotation that binds a service account to its role (EKS pod identity webhook). */
export const ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn";

export interface ServiceAccountRoleArgs {
  context: StackContext;
  /** The cluster whose OIDC provider the role trusts. */
  cluster: OidcIdentity;
  /** Namespace of the service account. */
  namespace: string;
  /** Name of the service account; the only one that can assume the role. */
  serviceAccount: string;
  /** Inline IAM policy document (least privilege for this service account). */
  policy?: pulumi.Input<object>;
  /** AWS managed policies to attach, when AWS publishes the exact one (e.g. AmazonEKS_CNI_Policy). */
  managedPolicyArns?: string[];
  parent: pulumi.Resource;
}

/**
 * A role for `namespace/serviceAccount`, with its inline policy and managed policy attachments as children of
 * `parent`. At least one of `policy` and `managedPolicyArns` is required: a role without permissions is a mistake.
 */
export function serviceAccountRole(name: string, args: ServiceAccountRoleArgs): aws.iam.Role {
  const { context, cluster, namespace, serviceAccount, parent } = args;
  const managed = args.managedPolicyArns ?? [];
  if (args.policy === undefined && managed.length === 0) {
    throw new Error(`${name}: serviceAccountRole for ${namespace}/${serviceAccount} needs a policy or managedPolicyArns`);
  }
  const opts = { parent };
  const role = new aws.iam.Role(`${name}-role`, {
    name: context.name(`${namespace}-${serviceAccount}`, NAME_LIMITS.iamRole),
    description: `IRSA: ${namespace}/${serviceAccount} in ${context.name("cluster")}`,
    assumeRolePolicy: pulumi
      .all([cluster.oidcProviderArn, cluster.oidcIssuer])
      .apply(([arn, issuer]) => JSON.stringify(irsaTrustPolicy(arn, issuer, namespace, serviceAccount))),
    tags: context.tags({ "kubernetes-service-account": `${namespace}.${serviceAccount}` }),
  }, opts);
  if (args.policy !== undefined) {
    new aws.iam.RolePolicy(`${name}-policy`, {
      role: role.id,
      name: serviceAccount,
      policy: pulumi.output(args.policy).apply((doc) => JSON.stringify(doc)),
    }, opts);
  }
  managed.forEach((policyArn) => {
    const short = policyArn.split("/").pop() ?? policyArn;
    new aws.iam.RolePolicyAttachment(`${name}-${short}`, { role: role.name, policyArn }, opts);
  });
  return role;
}

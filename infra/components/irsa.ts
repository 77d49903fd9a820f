/**
 * IAM roles for service accounts (IRSA): a role that only the named Kubernetes service accounts of one namespace of
 * one cluster can assume, through the cluster's OIDC provider. Add-ons and workloads that call AWS get their own, so
 * no pod relies on the node role (which has no application permissions) and a compromised pod gets only its rights.
 * A role is shared by several service accounts only when one identity is the point (OpenSearch's IAM master user).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type StackContext } from "../lib/context";
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

/** One service account, or several of the same namespace. */
export type ServiceAccounts = string | readonly string[];

/** The accounts as a list: non-empty, without duplicates, each a valid name. */
export function serviceAccountList(namespace: string, serviceAccounts: ServiceAccounts): string[] {
  const list = typeof serviceAccounts === "string" ? [serviceAccounts] : [...serviceAccounts];
  if (list.length === 0)
    throw new Error(`serviceAccounts for namespace ${namespace} must name at least one service account, got []`);
  for (const account of list) {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(account))
      throw new Error(`serviceAccounts: "${account}" is not a Kubernetes service account name`);
  }
  const duplicate = list.find((account, i) => list.indexOf(account) !== i);
  if (duplicate !== undefined) throw new Error(`serviceAccounts for namespace ${namespace} names "${duplicate}" twice`);
  return list;
}

/**
 * The trust policy of an IRSA role: web identity from the cluster's OIDC provider, for exactly the given service
 * accounts of `namespace` (`StringEquals` on `sub`, never `StringLike`; a list value means any one of them) and only
 * for STS tokens (`aud`). One account gives a plain string, as AWS's own examples write it.
 */
export function irsaTrustPolicy(
  providerArn: string,
  issuer: string,
  namespace: string,
  serviceAccounts: ServiceAccounts,
): object {
  const subjects = serviceAccountList(namespace, serviceAccounts).map((account) =>
    serviceAccountSubject(namespace, account),
  );
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: subjects.length === 1 ? subjects[0] : subjects,
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
  /** Namespace of the service account(s). */
  namespace: string;
  /** Name of the service account; the only one that can assume the role. Give this or `serviceAccounts`. */
  serviceAccount?: string;
  /** Several service accounts of `namespace`, any of which can assume the role. Give this or `serviceAccount`. */
  serviceAccounts?: readonly string[];
  /**
   * Name part of the role (`context.name` adds project and stack); changing it replaces the role.
   * @default `${namespace}-${serviceAccount}`, or the accounts joined with `-`
   */
  roleName?: string;
  /** Inline IAM policy document (least privilege for this service account). */
  policy?: pulumi.Input<object>;
  /** AWS managed policies to attach, when AWS publishes the exact one (e.g. AmazonEKS_CNI_Policy). */
  managedPolicyArns?: string[];
  /**
   * The caller attaches the role's permissions itself, after a resource that needs the role first and that the
   * policy names (an OpenSearch domain whose master user is this role). Lifts the "needs a policy" check.
   * @default false
   */
  policyAttachedByCaller?: boolean;
  parent: pulumi.Resource;
}

/** An IRSA role and what grants it its permissions. */
export interface ServiceAccountRole {
  readonly role: aws.iam.Role;
  /** The role's ARN, for the service account's annotation (or an add-on's `serviceAccountRoleArn`). */
  readonly arn: pulumi.Output<string>;
  /**
   * The role's inline policy and managed policy attachments. A consumer (the release, add-on or Deployment whose
   * pods assume the role) depends on these, not only on the role: a pod that starts before them is denied its first
   * AWS calls (an aws-node without AmazonEKS_CNI_Policy leaves every node NotReady). Empty with
   * `policyAttachedByCaller`: the caller's grants are its own to wait for.
   */
  readonly grants: pulumi.Resource[];
}

/**
 * A role for `namespace/serviceAccount` (or each of `serviceAccounts`), with its inline policy and managed policy
 * attachments as children of `parent`. At least one of `policy` and `managedPolicyArns` is required, unless
 * `policyAttachedByCaller`: a role without permissions is a mistake.
 */
export function serviceAccountRole(name: string, args: ServiceAccountRoleArgs): ServiceAccountRole {
  const { context, cluster, namespace, parent } = args;
  if ((args.serviceAccount === undefined) === (args.serviceAccounts === undefined)) {
    throw new Error(
      `${name}: serviceAccountRole needs exactly one of serviceAccount and serviceAccounts, got ${JSON.stringify({ serviceAccount: args.serviceAccount, serviceAccounts: args.serviceAccounts })}`,
    );
  }
  const accounts = serviceAccountList(namespace, args.serviceAccount ?? args.serviceAccounts ?? []);
  const label = `${namespace}/${accounts.join(",")}`;
  const managed = args.managedPolicyArns ?? [];
  if (args.policy === undefined && managed.length === 0 && args.policyAttachedByCaller !== true) {
    throw new Error(`${name}: serviceAccountRole for ${label} needs a policy or managedPolicyArns`);
  }
  const roleName = args.roleName ?? `${namespace}-${accounts.join("-")}`;
  const opts = { parent };
  const role = new aws.iam.Role(
    `${name}-role`,
    {
      name: context.name(roleName, NAME_LIMITS.iamRole),
      description: `IRSA: ${label} in ${context.name("cluster")}`,
      assumeRolePolicy: pulumi
        .all([cluster.oidcProviderArn, cluster.oidcIssuer])
        .apply(([arn, issuer]) => JSON.stringify(irsaTrustPolicy(arn, issuer, namespace, accounts))),
      // Tag values allow no comma: accounts are separated by spaces.
      tags: context.tags({
        "kubernetes-service-account": accounts.map((account) => `${namespace}.${account}`).join(" "),
      }),
    },
    opts,
  );
  const grants: pulumi.Resource[] = [];
  if (args.policy !== undefined) {
    const inline = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.id,
        name: accounts.length === 1 ? accounts[0] : roleName,
        policy: pulumi.output(args.policy).apply((doc) => JSON.stringify(doc)),
      },
      opts,
    );
    grants.push(inline);
  }
  for (const policyArn of managed) {
    const short = policyArn.split("/").pop() ?? policyArn;
    grants.push(new aws.iam.RolePolicyAttachment(`${name}-${short}`, { role: role.name, policyArn }, opts));
  }
  return { role, arn: role.arn, grants };
}

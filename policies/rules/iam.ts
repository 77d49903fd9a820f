/**
 * IAM: policy documents (no wildcard actions, no privilege escalation on every resource), AWS-managed admin
 * policies, the EKS node role, and IRSA trust policies scoped to one service account. Documents are JSON strings in
 * the plan (and `string | PolicyDocument` in @pulumi/aws), so both shapes are parsed; one that does not parse is a
 * finding, never a crash.
 */
import type { PolicyResource } from "@pulumi/policy";
import { asArray, ofType, refersTo, resourceRule, stackRule, type Props, type Rule } from "./kit";

export const ROLE = ["aws:iam/role:Role"] as const;
export const ROLE_POLICY = ["aws:iam/rolePolicy:RolePolicy"] as const;
const IDENTITY_POLICIES = [
  ...ROLE_POLICY,
  "aws:iam/policy:Policy",
  "aws:iam/userPolicy:UserPolicy",
  "aws:iam/groupPolicy:GroupPolicy",
] as const;
export const ROLE_POLICY_ATTACHMENT = ["aws:iam/rolePolicyAttachment:RolePolicyAttachment"] as const;
const MANAGED_ATTACHMENTS = [
  ...ROLE_POLICY_ATTACHMENT,
  "aws:iam/policyAttachment:PolicyAttachment",
  "aws:iam/userPolicyAttachment:UserPolicyAttachment",
  "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
  "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
] as const;

/** A statement of a policy document, as IAM reads it. */
export interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of a policy document (JSON text or object); throws a message naming what does not parse. */
export function statementsOf(document: unknown): Statement[] {
  const doc: unknown = typeof document === "string" ? JSON.parse(document) : document;
  if (typeof doc !== "object" || doc === null) throw new Error("the policy document is not a JSON object");
  return asArray((doc as Props).Statement) as Statement[];
}

/** Statements of `document`, or a finding naming why it cannot be read (fail closed). */
export function readStatements(document: unknown, what: string, report: (message: string) => void): Statement[] {
  if (document === undefined || document === null || document === "") return [];
  try {
    return statementsOf(document);
  } catch (err) {
    report(`${what} cannot be read as an IAM policy document: ${(err as Error).message}`);
    return [];
  }
}

const strings = (value: unknown): string[] => asArray(value).filter((v): v is string => typeof v === "string");
const label = (s: Statement, i: number) => `statement ${s.Sid === undefined ? `#${i}` : `"${s.Sid}"`}`;
const allows = (s: Statement) => s.Effect === "Allow";

/** Documents a resource carries: `policy` on identity policies, `inlinePolicies[].policy` on roles. */
function documentsOf(type: string, props: Props): Array<[string, unknown]> {
  if (ROLE.includes(type as (typeof ROLE)[number]))
    return asArray(props.inlinePolicies).map((p: Props) => [`inline policy "${String(p?.name)}"`, p?.policy]);
  return [["policy", props.policy]];
}

export const iamNoWildcardActions = resourceRule({
  name: "iam-no-wildcard-actions",
  description: 'No IAM policy allows "*" or a whole service ("<service>:*") as an action, or allows through NotAction.',
  level: "M",
  sources: ["CKV_AWS_63", "CKV_AWS_62", "CKV2_AWS_40"],
  types: [...IDENTITY_POLICIES, ...ROLE],
  check: (props, ctx, report) => {
    for (const [what, document] of documentsOf(ctx.type, props)) {
      readStatements(document, what, report).forEach((s, i) => {
        if (!allows(s)) return;
        const wild = strings(s.Action).filter((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a));
        if (wild.length > 0) report(`${what} ${label(s, i)} allows ${wild.map((a) => `"${a}"`).join(", ")}`);
        if (s.NotAction !== undefined) report(`${what} ${label(s, i)} allows everything but a list (NotAction)`);
      });
    }
  },
});

/**
 * Actions that let a principal grant itself more (cloudsplaining's privilege-escalation list, which Checkov's
 * CKV_AWS_286 uses): allowed on every resource, they are admin in disguise.
 */
const ESCALATION_ACTIONS = [
  "iam:PassRole",
  "iam:CreatePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:AttachRolePolicy",
  "iam:AttachUserPolicy",
  "iam:AttachGroupPolicy",
  "iam:PutRolePolicy",
  "iam:PutUserPolicy",
  "iam:PutGroupPolicy",
  "iam:UpdateAssumeRolePolicy",
  "iam:CreateAccessKey",
  "iam:CreateLoginProfile",
  "iam:UpdateLoginProfile",
  "iam:AddUserToGroup",
  "sts:AssumeRole",
].map((a) => a.toLowerCase());

export const iamNoPrivilegeEscalation = resourceRule({
  name: "iam-no-privilege-escalation",
  description:
    "No IAM policy allows an action that grants more privilege (iam:PassRole, iam:Put*Policy, iam:Attach*Policy, iam:CreatePolicyVersion, sts:AssumeRole…) on every resource.",
  level: "M",
  sources: ["CKV_AWS_286", "CKV_AWS_287"],
  types: [...IDENTITY_POLICIES, ...ROLE],
  check: (props, ctx, report) => {
    for (const [what, document] of documentsOf(ctx.type, props)) {
      readStatements(document, what, report).forEach((s, i) => {
        if (!allows(s) || !(strings(s.Resource).includes("*") || s.NotResource !== undefined)) return;
        const risky = strings(s.Action).filter((a) => ESCALATION_ACTIONS.includes(a.toLowerCase()));
        if (risky.length > 0) report(`${what} ${label(s, i)} allows ${risky.join(", ")} on every resource`);
      });
    }
  },
});

const ADMIN_POLICIES = ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"];
const adminArn = (arn: unknown) =>
  typeof arn === "string" && ADMIN_POLICIES.some((p) => arn === `arn:aws:iam::aws:policy/${p}`);

export const iamNoAdminManagedPolicies = resourceRule({
  name: "iam-no-admin-managed-policies",
  description: "No role, user or group is given AdministratorAccess, IAMFullAccess or PowerUserAccess.",
  level: "M",
  sources: ["CKV_AWS_274", "CKV2_AWS_56"],
  types: [...MANAGED_ATTACHMENTS, ...ROLE],
  check: (props, _ctx, report) => {
    const arns = [props.policyArn, ...asArray(props.policyArns), ...asArray(props.managedPolicyArns)];
    for (const arn of arns.filter(adminArn)) report(`attaches ${String(arn)}`);
  },
});

/** What the EKS node role may carry: joining the cluster and pulling images (CIS EKS 5.1.3); CNI is on IRSA. */
const NODE_ROLE_POLICIES = [
  "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
  "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
  "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
];

/** The role a node group's `nodeRoleArn` (`arn:aws:iam::<account>:role/<name>`) names. */
function roleNamed(resources: readonly PolicyResource[], arn: unknown): PolicyResource | undefined {
  if (typeof arn !== "string") return undefined;
  const name = arn.slice(arn.lastIndexOf("/") + 1);
  return ofType(resources, ROLE).find((r) => r.props.name === name || refersTo(arn, r));
}

export const eksNodeRoleLeastPrivilege = stackRule({
  name: "eks-node-role-least-privilege",
  description:
    "The EKS node role carries only AmazonEKSWorkerNodePolicy and ECR read-only (or pull-only) access, and no inline policy: every pod on the node can use it.",
  level: "M",
  sources: ["CIS EKS 5.2.1", "CIS EKS 5.1.3", "AWS EKS best practices (IAM: restrict the node instance role)"],
  check: (resources, _ctx, report) => {
    const roles = new Set(
      ofType(resources, ["aws:eks/nodeGroup:NodeGroup"])
        .map((g) => roleNamed(resources, g.props.nodeRoleArn))
        .filter((r): r is PolicyResource => r !== undefined),
    );
    for (const role of roles) {
      const linked = (value: unknown) => value === role.props.name || refersTo(value, role);
      const attached = [
        ...asArray(role.props.managedPolicyArns),
        ...ofType(resources, MANAGED_ATTACHMENTS)
          .filter((a) => linked(a.props.role) || asArray(a.props.roles).some(linked) || linked(a.props.roleName))
          .flatMap((a) => [a.props.policyArn, ...asArray(a.props.policyArns)]),
      ].filter((arn): arn is string => typeof arn === "string");
      for (const arn of attached.filter((a) => !NODE_ROLE_POLICIES.includes(a)))
        report(
          `node role has ${arn} attached; every pod on the nodes can use it (give it to a pod through IRSA)`,
          role,
        );
      const inline = ofType(resources, ROLE_POLICY).filter((p) => linked(p.props.role));
      for (const p of inline) report(`node role has inline policy "${p.name}"`, role);
      if (asArray(role.props.inlinePolicies).length > 0) report("node role declares inline policies", role);
    }
  },
});

const IRSA_SUBJECT = /^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function federatedEks(s: Statement): boolean {
  const federated = strings((s.Principal as Props | undefined)?.Federated);
  return federated.some((f) => /:oidc-provider\/oidc\.eks\./.test(f));
}

export const irsaTrustScoped = resourceRule({
  name: "irsa-trust-scoped",
  description:
    "An IRSA role trusts exactly one service account: sts:AssumeRoleWithWebIdentity with StringEquals on the issuer's :sub (system:serviceaccount:<namespace>:<name>, no wildcards, no StringLike) and :aud sts.amazonaws.com.",
  level: "M",
  sources: [
    "AWS EKS user guide: IAM roles for service accounts (trust policy)",
    "CIS EKS 5.2.1",
    "CKV_AWS_60 (analog)",
    "CKV_AWS_358 (analog: OIDC claims)",
  ],
  types: ROLE,
  check: (props, _ctx, report) => {
    readStatements(props.assumeRolePolicy, "trust policy", report).forEach((s, i) => {
      if (!allows(s) || !federatedEks(s)) return;
      const where = `trust policy ${label(s, i)}`;
      const actions = strings(s.Action);
      if (actions.length !== 1 || actions[0] !== "sts:AssumeRoleWithWebIdentity")
        report(`${where} allows ${actions.join(", ") || "(no action)"}; only sts:AssumeRoleWithWebIdentity`);
      const conditions = s.Condition ?? {};
      const equals = conditions.StringEquals ?? {};
      const subKey = Object.keys(equals).find((k) => k.endsWith(":sub"));
      const audKey = Object.keys(equals).find((k) => k.endsWith(":aud"));
      const subjects = subKey === undefined ? [] : strings(equals[subKey]);
      const loose = Object.entries(conditions)
        .filter(
          ([operator, values]) =>
            operator !== "StringEquals" && Object.keys(values ?? {}).some((k) => k.endsWith(":sub")),
        )
        .map(([operator]) => operator);
      for (const operator of loose)
        report(`${where} matches :sub with ${operator}; use StringEquals on one service account`);
      if (subjects.length === 0 && loose.length === 0)
        report(`${where} does not pin the service account (no StringEquals on :sub)`);
      for (const subject of subjects.filter((v) => !IRSA_SUBJECT.test(v)))
        report(`${where} trusts "${subject}", not one service account`);
      if (audKey === undefined || strings(equals[audKey]).join() !== "sts.amazonaws.com")
        report(`${where} does not pin :aud to sts.amazonaws.com`);
    });
  },
});

export const iamTrustNoPublicPrincipal = resourceRule({
  name: "iam-trust-no-public-principal",
  description: 'No role trusts every AWS principal ("*").',
  level: "M",
  sources: ["CKV_AWS_60"],
  types: ROLE,
  check: (props, _ctx, report) => {
    readStatements(props.assumeRolePolicy, "trust policy", report).forEach((s, i) => {
      if (!allows(s)) return;
      const p = s.Principal;
      const aws = typeof p === "object" && p !== null ? strings((p as Props).AWS) : [];
      if (p === "*" || aws.includes("*")) report(`trust policy ${label(s, i)} trusts every AWS principal`);
    });
  },
});

export const iamRules: readonly Rule[] = [
  iamNoWildcardActions,
  iamNoPrivilegeEscalation,
  iamNoAdminManagedPolicies,
  eksNodeRoleLeastPrivilege,
  irsaTrustScoped,
  iamTrustNoPublicPrincipal,
];

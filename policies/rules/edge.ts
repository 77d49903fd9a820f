/**
 * The edge and what it serves from: no security group open to the world (the API is reached only through
 * CloudFront), the load balancer's own settings, bucket policies and ACLs, and the image repository.
 */
import type { PolicyResource } from "@pulumi/policy";
import { readStatements, type Statement } from "./iam";
import { INGRESS_RULE, SECURITY_GROUP, SECURITY_GROUP_RULE } from "./network";
import { BUCKET } from "./cdn";
import { asArray, ofType, refersTo, resourceRule, stackRule, type Props, type Rule } from "./kit";

const ANYWHERE = ["0.0.0.0/0", "::/0"];
export const LOAD_BALANCER = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"] as const;
const BUCKET_POLICY = ["aws:s3/bucketPolicy:BucketPolicy"] as const;
const ECR_REPOSITORY = ["aws:ecr/repository:Repository"] as const;

/** One ingress permission's sources, split by kind (a managed prefix list is not a CIDR range). */
interface Sources {
  cidrs: string[];
  prefixLists: string[];
  groups: string[];
}

function sourcesOf(type: string, props: Props): Sources[] {
  const cidr = (...values: unknown[]) => values.flatMap(asArray).filter((v): v is string => typeof v === "string");
  if (INGRESS_RULE.includes(type as (typeof INGRESS_RULE)[number]))
    return [
      {
        cidrs: cidr(props.cidrIpv4, props.cidrIpv6),
        prefixLists: cidr(props.prefixListId),
        groups: cidr(props.referencedSecurityGroupId),
      },
    ];
  if (SECURITY_GROUP_RULE.includes(type as (typeof SECURITY_GROUP_RULE)[number])) {
    if (props.type !== "ingress") return [];
    return [
      {
        cidrs: cidr(props.cidrBlocks, props.ipv6CidrBlocks),
        prefixLists: cidr(props.prefixListIds),
        groups: [...cidr(props.sourceSecurityGroupId), ...(props.self === true ? ["self"] : [])],
      },
    ];
  }
  if (SECURITY_GROUP.includes(type as (typeof SECURITY_GROUP)[number]))
    return asArray(props.ingress).map((b: Props) => ({
      cidrs: cidr(b?.cidrBlocks, b?.ipv6CidrBlocks),
      prefixLists: cidr(b?.prefixListIds),
      groups: [...cidr(b?.securityGroups), ...(b?.self === true ? ["self"] : [])],
    }));
  return [];
}

export const sgNoWorldIngress = resourceRule({
  name: "sg-no-world-ingress",
  description:
    "No security group admits 0.0.0.0/0 or ::/0 on any port: the API is reached only through CloudFront, so nothing on this platform is open to the internet.",
  level: "M",
  sources: ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"],
  types: [...SECURITY_GROUP, ...INGRESS_RULE, ...SECURITY_GROUP_RULE],
  check: (props, ctx, report) => {
    for (const s of sourcesOf(ctx.type, props)) {
      const open = s.cidrs.filter((c) => ANYWHERE.includes(c));
      if (open.length > 0)
        report(`admits ${open.join(", ")} (ports ${String(props.fromPort ?? "all")}–${String(props.toPort ?? "all")})`);
    }
  },
});

/** Security groups attached to a load balancer. */
function groupsOfLoadBalancers(resources: readonly PolicyResource[]): Array<[PolicyResource, PolicyResource]> {
  const groups = ofType(resources, SECURITY_GROUP);
  return ofType(resources, LOAD_BALANCER).flatMap((lb) =>
    asArray(lb.props.securityGroups)
      .map((id) => groups.find((g) => refersTo(id, g)))
      .filter((g): g is PolicyResource => g !== undefined)
      .map((g): [PolicyResource, PolicyResource] => [lb, g]),
  );
}

export const albIngressNoCidr = stackRule({
  name: "alb-ingress-no-cidr",
  description:
    "A load balancer's security groups admit only other security groups (CloudFront's VPC-origin group) or managed prefix lists (CloudFront's origin-facing list), never a CIDR range, so CloudFront cannot be bypassed.",
  level: "M",
  sources: [
    "AWS CloudFront developer guide: restrict access to VPC origins / to Application Load Balancers",
    "CKV_AWS_260 (related)",
  ],
  check: (resources, _ctx, report) => {
    for (const [lb, sg] of groupsOfLoadBalancers(resources)) {
      const rules = [
        ...ofType(resources, [...INGRESS_RULE, ...SECURITY_GROUP_RULE]).filter((r) =>
          refersTo(r.props.securityGroupId, sg),
        ),
        sg,
      ];
      for (const rule of rules) {
        for (const s of sourcesOf(rule.type, rule.props)) {
          if (s.cidrs.length > 0)
            report(`admits ${s.cidrs.join(", ")} into load balancer "${lb.name}"'s group "${sg.name}"`, rule);
        }
      }
    }
  },
});

const isApplication = (props: Props) => (props.loadBalancerType ?? "application") === "application";

export const albDropInvalidHeaders = resourceRule({
  name: "alb-drop-invalid-headers",
  description: "Application load balancers drop HTTP headers with invalid names (request-smuggling defence).",
  level: "M",
  sources: ["CKV_AWS_131"],
  types: LOAD_BALANCER,
  check: (props, _ctx, report) => {
    if (isApplication(props) && props.dropInvalidHeaderFields !== true) report("`dropInvalidHeaderFields` is not true");
  },
});

export const albDesyncMitigation = resourceRule({
  name: "alb-desync-mitigation",
  description: "Application load balancers keep HTTP desync mitigation defensive or strictest (never monitor).",
  level: "M",
  sources: ["CKV_AWS_328"],
  types: LOAD_BALANCER,
  check: (props, _ctx, report) => {
    // Unset is AWS's default, defensive.
    if (isApplication(props) && props.desyncMitigationMode === "monitor")
      report('`desyncMitigationMode` is "monitor": desync attacks are logged, not stopped');
  },
});

export const albAccessLogs = resourceRule({
  name: "alb-access-logs",
  description: "Load balancers write access logs to S3.",
  level: "T",
  sources: ["CKV_AWS_91", "AWSGuard elb-logging-enabled"],
  types: LOAD_BALANCER,
  check: (props, _ctx, report) => {
    if (props.accessLogs?.enabled !== true || typeof props.accessLogs?.bucket !== "string")
      report("access logs are off (`accessLogs.enabled` with a bucket)");
  },
});

export const albDeletionProtection = resourceRule({
  name: "alb-deletion-protection",
  description: "Load balancers have deletion protection.",
  level: "T",
  sources: ["CKV_AWS_150", "AWSGuard elb-deletion-protection-enabled"],
  types: LOAD_BALANCER,
  check: (props, _ctx, report) => {
    if (props.enableDeletionProtection !== true) report("`enableDeletionProtection` is not true");
  },
});

/** Conditions that narrow a public principal to this account or network (Checkov CKV_AWS_70's list). */
const NARROWING_KEYS = [
  "aws:sourcevpce",
  "aws:sourcevpc",
  "aws:principalorgid",
  "aws:principalaccount",
  "aws:principalarn",
];

function publicPrincipal(s: Statement): boolean {
  const p = s.Principal;
  if (p === "*") return true;
  if (typeof p !== "object" || p === null) return false;
  return asArray((p as Props).AWS).includes("*");
}

function narrowed(s: Statement): boolean {
  return Object.values(s.Condition ?? {}).some((values) =>
    Object.keys(values ?? {}).some((k) => NARROWING_KEYS.includes(k.toLowerCase())),
  );
}

export const s3PolicyNoPublicPrincipal = resourceRule({
  name: "s3-policy-no-public-principal",
  description:
    'No bucket policy allows any principal ("*"), whatever the public-access block says (unless narrowed to this account, organization or VPC endpoint).',
  level: "M",
  sources: ["CKV_AWS_70"],
  types: BUCKET_POLICY,
  check: (props, _ctx, report) => {
    readStatements(props.policy, "bucket policy", report).forEach((s, i) => {
      if (s.Effect === "Allow" && publicPrincipal(s) && !narrowed(s))
        report(`statement ${s.Sid ?? `#${i}`} allows ${JSON.stringify(s.Action)} to any principal`);
    });
  },
});

function deniesInsecureTransport(s: Statement): boolean {
  const actions = asArray(s.Action);
  const secure = s.Condition?.Bool?.["aws:SecureTransport"];
  return (
    s.Effect === "Deny" &&
    publicPrincipal(s) &&
    (actions.includes("s3:*") || actions.includes("*")) &&
    (secure === "false" || secure === false)
  );
}

export const s3TlsOnly = stackRule({
  name: "s3-tls-only",
  description: "Every bucket's policy denies requests that do not use TLS (aws:SecureTransport false).",
  level: "M",
  sources: ["CKV_AWS_379"],
  check: (resources, _ctx, report) => {
    const policies = ofType(resources, BUCKET_POLICY);
    for (const bucket of ofType(resources, BUCKET)) {
      const attached = policies.filter((p) => refersTo(p.props.bucket, bucket));
      const ok = attached.some((p) =>
        readStatements(p.props.policy, "bucket policy", () => {}).some(deniesInsecureTransport),
      );
      if (!ok)
        report("no bucket policy denies plain-HTTP requests (Deny s3:* when aws:SecureTransport is false)", bucket);
    }
  },
});

const PUBLIC_GRANTEES = [
  "http://acs.amazonaws.com/groups/global/AllUsers",
  "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
];

export const s3NoPublicAcl = resourceRule({
  name: "s3-no-public-acl",
  description: "No bucket ACL grants access to everyone or to every AWS account.",
  level: "M",
  sources: ["CKV_AWS_20", "CKV_AWS_57"],
  types: ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"],
  check: (props, _ctx, report) => {
    if (["public-read", "public-read-write", "authenticated-read"].includes(props.acl))
      report(`canned ACL "${String(props.acl)}" is public`);
    for (const grant of asArray(props.accessControlPolicy?.grants)) {
      if (PUBLIC_GRANTEES.includes(grant?.grantee?.uri))
        report(`grants ${String(grant.permission)} to ${String(grant.grantee.uri)}`);
    }
  },
});

export const ecrImmutableTags = resourceRule({
  name: "ecr-immutable-tags",
  description: "ECR repositories make image tags immutable, so a tag always names the image that was reviewed.",
  level: "M",
  sources: ["CKV_AWS_51"],
  types: ECR_REPOSITORY,
  check: (props, _ctx, report) => {
    // MUTABLE is the API's default when unset.
    if (props.imageTagMutability !== "IMMUTABLE")
      report(`image tags are mutable (imageTagMutability ${JSON.stringify(props.imageTagMutability ?? "MUTABLE")})`);
  },
});

export const ecrScanOnPush = resourceRule({
  name: "ecr-scan-on-push",
  description: "ECR scans every image for vulnerabilities when it is pushed.",
  level: "M",
  sources: ["CKV_AWS_163", "CIS EKS 5.1.1"],
  types: ECR_REPOSITORY,
  check: (props, _ctx, report) => {
    if (props.imageScanningConfiguration?.scanOnPush !== true) report("images are not scanned on push");
  },
});

export const ecrNoPublicPolicy = resourceRule({
  name: "ecr-no-public-policy",
  description: "No ECR repository policy allows any principal.",
  level: "M",
  sources: ["CKV_AWS_32"],
  types: ["aws:ecr/repositoryPolicy:RepositoryPolicy"],
  check: (props, _ctx, report) => {
    readStatements(props.policy, "repository policy", report).forEach((s, i) => {
      if (s.Effect === "Allow" && publicPrincipal(s) && !narrowed(s))
        report(`statement ${s.Sid ?? `#${i}`} allows any principal`);
    });
  },
});

export const edgeRules: readonly Rule[] = [
  sgNoWorldIngress,
  albIngressNoCidr,
  albDropInvalidHeaders,
  albDesyncMitigation,
  albAccessLogs,
  albDeletionProtection,
  s3PolicyNoPublicPrincipal,
  s3TlsOnly,
  s3NoPublicAcl,
  ecrImmutableTags,
  ecrScanOnPush,
  ecrNoPublicPolicy,
];

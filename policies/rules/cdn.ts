/**
 * CloudFront and the S3 buckets behind it. Buckets are checked as a stack: S3's public-access block,
 * encryption and versioning are separate resources pointing at the bucket (inline settings on the older
 * `aws.s3.Bucket` spelling count too).
 */
import type { PolicyResource } from "@pulumi/policy";
import { asArray, ofType, refersTo, resourceRule, stackRule, type Props, type Rule } from "./kit";

export const DISTRIBUTION = ["aws:cloudfront/distribution:Distribution"] as const;
export const BUCKET = ["aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket"] as const;
export const PUBLIC_ACCESS_BLOCK = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"] as const;
export const BUCKET_ENCRYPTION = [
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
] as const;
export const BUCKET_VERSIONING = [
  "aws:s3/bucketVersioningV2:BucketVersioningV2",
  "aws:s3/bucketVersioning:BucketVersioning",
] as const;

const HTTPS_ONLY = ["redirect-to-https", "https-only"];

export const cloudfrontViewerHttps = resourceRule({
  name: "cloudfront-viewer-https",
  description: "CloudFront serves viewers over HTTPS only, in every cache behaviour (never waivable).",
  level: "M",
  // Plain HTTP to viewers has no legitimate exception on this platform, so no waiver may silence it (issue 13).
  waivable: false,
  sources: ["CKV_AWS_34"],
  types: DISTRIBUTION,
  check: (props, _ctx, report) => {
    const behaviours: Array<[string, Props | undefined]> = [
      ["default cache behaviour", props.defaultCacheBehavior],
      ...asArray(props.orderedCacheBehaviors).map((b: Props): [string, Props] => [
        `cache behaviour "${String(b.pathPattern)}"`,
        b,
      ]),
    ];
    for (const [label, behaviour] of behaviours) {
      if (!HTTPS_ONLY.includes(behaviour?.viewerProtocolPolicy)) {
        report(
          `${label} allows HTTP (viewerProtocolPolicy ${JSON.stringify(behaviour?.viewerProtocolPolicy ?? "(unset)")})`,
        );
      }
    }
  },
});

/** Checkov CKV_AWS_174's pattern: TLSv1.2_2018, TLSv1.2_2019, TLSv1.2_2021, TLSv1.3_2025… */
const TLS12_OR_LATER = /^TLSv1\.[23]_\d{4}$/;

export const cloudfrontTls12 = resourceRule({
  name: "cloudfront-tls12-minimum",
  description:
    "CloudFront viewers negotiate TLS 1.2 or later: a custom certificate with a TLSv1.2_* (or later) security policy. The default certificate is waivable (check default-certificate); a weak policy on a custom certificate is check protocol-version.",
  level: "M",
  checks: ["default-certificate", "protocol-version"],
  sources: ["CKV_AWS_174", "CKV2_AWS_42"],
  types: DISTRIBUTION,
  check: (props, _ctx, report) => {
    const certificate: Props = props.viewerCertificate ?? {};
    // The default *.cloudfront.net certificate pins the security policy to TLSv1.
    if (certificate.cloudfrontDefaultCertificate === true) {
      report(
        "viewer TLS policy is TLSv1 (default certificate); use a custom certificate with TLSv1.2_2021 or later",
        "default-certificate",
      );
      return;
    }
    const policy: unknown = certificate.minimumProtocolVersion;
    if (typeof policy !== "string" || !TLS12_OR_LATER.test(policy)) {
      report(
        `viewer TLS policy is ${JSON.stringify(policy ?? "(unset)")}; use TLSv1.2_2021 or later with a custom certificate`,
        "protocol-version",
      );
    }
  },
});

function isS3Origin(origin: Props): boolean {
  return (
    origin.s3OriginConfig !== undefined ||
    /\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com$/.test(String(origin.domainName ?? ""))
  );
}

export const cloudfrontOriginAccessControl = resourceRule({
  name: "cloudfront-s3-origin-access-control",
  description: "CloudFront reaches S3 origins through an Origin Access Control, never a public bucket or a legacy OAI.",
  level: "M",
  sources: ["CKV2_AWS_46"],
  types: DISTRIBUTION,
  check: (props, _ctx, report) => {
    for (const origin of asArray(props.origins).filter(isS3Origin)) {
      const id = String(origin.originId ?? origin.domainName);
      if (typeof origin.originAccessControlId !== "string" || origin.originAccessControlId === "") {
        report(`S3 origin "${id}" has no Origin Access Control`);
      }
    }
  },
});

export const cloudfrontLogging = resourceRule({
  name: "cloudfront-access-logging",
  description: "CloudFront writes access logs.",
  level: "T",
  sources: ["CKV_AWS_86"],
  types: DISTRIBUTION,
  check: (props, _ctx, report) => {
    if (typeof props.loggingConfig?.bucket !== "string" || props.loggingConfig.bucket === "")
      report("access logging is off (no `loggingConfig.bucket`)");
  },
});

export const cloudfrontWaf = resourceRule({
  name: "cloudfront-waf",
  description: "CloudFront is protected by a WAF web ACL.",
  level: "A",
  sources: ["CKV_AWS_68"],
  types: DISTRIBUTION,
  check: (props, _ctx, report) => {
    if (typeof props.webAclId !== "string" || props.webAclId === "") report("no WAF web ACL (`webAclId`)");
  },
});

function attached(
  resources: readonly PolicyResource[],
  types: readonly string[],
  bucket: PolicyResource,
): PolicyResource[] {
  return ofType(resources, types).filter((r) => refersTo(r.props.bucket, bucket));
}

const BLOCK_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

export const s3PublicAccessBlocked = stackRule({
  name: "s3-public-access-blocked",
  description: "Every bucket has a public-access block with all four settings on.",
  level: "M",
  sources: ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV2_AWS_6"],
  check: (resources, _ctx, report) => {
    for (const bucket of ofType(resources, BUCKET)) {
      const blocks = attached(resources, PUBLIC_ACCESS_BLOCK, bucket);
      if (blocks.length === 0) {
        report("has no public-access block", bucket);
        continue;
      }
      const off = BLOCK_FLAGS.filter((flag) => !blocks.some((b) => b.props[flag] === true));
      if (off.length > 0) report(`public-access block leaves ${off.join(", ")} off`, bucket);
    }
  },
});

export const s3Encrypted = stackRule({
  name: "s3-encryption",
  description: "Every bucket declares default server-side encryption.",
  level: "M",
  // Not CKV_AWS_145 (SSE-KMS): ALB access logs support SSE-S3 only, so AES256 is accepted (research note §1).
  sources: ["CKV_AWS_19"],
  check: (resources, _ctx, report) => {
    for (const bucket of ofType(resources, BUCKET)) {
      const rules = [
        ...attached(resources, BUCKET_ENCRYPTION, bucket).flatMap((c) => asArray(c.props.rules)),
        ...asArray(bucket.props.serverSideEncryptionConfiguration?.rule),
      ];
      const algorithm = rules
        .map((r) => r?.applyServerSideEncryptionByDefault?.sseAlgorithm)
        .find((a) => typeof a === "string");
      if (algorithm === undefined) report("declares no default encryption", bucket);
    }
  },
});

export const s3Versioning = stackRule({
  name: "s3-versioning",
  description: "Every bucket has versioning enabled.",
  level: "T",
  sources: ["CKV_AWS_21"],
  check: (resources, _ctx, report) => {
    for (const bucket of ofType(resources, BUCKET)) {
      const statuses = attached(resources, BUCKET_VERSIONING, bucket).map(
        (v) => v.props.versioningConfiguration?.status,
      );
      const enabled = statuses.includes("Enabled") || bucket.props.versioning?.enabled === true;
      if (!enabled)
        report(
          `versioning is not enabled (${statuses.length === 0 ? "no versioning resource" : `status ${statuses.join(", ")}`})`,
          bucket,
        );
    }
  },
});

export const cdnRules: readonly Rule[] = [
  cloudfrontViewerHttps,
  cloudfrontTls12,
  cloudfrontOriginAccessControl,
  cloudfrontLogging,
  cloudfrontWaf,
  s3PublicAccessBlocked,
  s3Encrypted,
  s3Versioning,
];

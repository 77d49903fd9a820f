import * as cdn from "../../policies/rules/cdn";
import { distribution, T, tags } from "./fixtures";
import { describeResourceRule, mutate, stackViolations } from "./support";

describeResourceRule(cdn.cloudfrontViewerHttps, T.distribution, distribution, [
  [
    "the default behaviour allows HTTP",
    (p) => (p.defaultCacheBehavior.viewerProtocolPolicy = "allow-all"),
    /default cache behaviour allows HTTP \(viewerProtocolPolicy "allow-all"\)/,
  ],
  [
    "an ordered behaviour allows HTTP",
    (p) => (p.orderedCacheBehaviors[0].viewerProtocolPolicy = "allow-all"),
    /cache behaviour "\/api\/\*" allows HTTP/,
  ],
]);
describeResourceRule(cdn.cloudfrontTls12, T.distribution, distribution, [
  [
    "the minimum protocol is TLS 1.1",
    (p) => (p.viewerCertificate.minimumProtocolVersion = "TLSv1.1_2016"),
    /viewer TLS policy is "TLSv1\.1_2016"/,
  ],
  [
    "the minimum protocol only starts with TLSv1.2",
    (p) => (p.viewerCertificate.minimumProtocolVersion = "TLSv1.2"),
    /viewer TLS policy is "TLSv1\.2"/,
  ],
  [
    "the default CloudFront certificate is used",
    (p) => (p.viewerCertificate = { cloudfrontDefaultCertificate: true }),
    /TLSv1 \(default certificate\)/,
  ],
]);
describeResourceRule(cdn.cloudfrontOriginAccessControl, T.distribution, distribution, [
  [
    "the S3 origin has no Origin Access Control",
    (p) => delete p.origins[0].originAccessControlId,
    /S3 origin "media" has no Origin Access Control/,
  ],
  [
    "the S3 origin uses a legacy OAI instead",
    (p) => {
      delete p.origins[0].originAccessControlId;
      p.origins[0].s3OriginConfig = { originAccessIdentity: "origin-access-identity/cloudfront/E1" };
    },
    /has no Origin Access Control/,
  ],
]);
describeResourceRule(cdn.cloudfrontLogging, T.distribution, distribution, [
  ["there is no logging config", (p) => delete p.loggingConfig, /access logging is off/],
]);
describeResourceRule(cdn.cloudfrontWaf, T.distribution, distribution, [
  ["there is no web ACL", (p) => delete p.webAclId, /no WAF web ACL/],
]);

describe("S3 buckets (stack rules)", () => {
  const bucket = { type: T.bucketV2, name: "media", inputs: { bucket: "storyforge-v2-media", tags } };
  const block = {
    type: T.publicAccessBlock,
    name: "media-public-access",
    inputs: {
      bucket: "media-id",
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
  };
  const encryption = {
    type: T.encryptionV2,
    name: "media-encryption",
    inputs: { bucket: "media-id", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] },
  };
  const versioning = {
    type: T.versioningV2,
    name: "media-versioning",
    inputs: { bucket: "media-id", versioningConfiguration: { status: "Enabled" } },
  };
  const plan = [bucket, block, encryption, versioning];
  const replace = (name: string, change: (p: any) => void) =>
    plan.map((r) => (r.name === name ? { ...r, inputs: mutate(r.inputs, change) } : r));

  describe("s3-public-access-blocked (M)", () => {
    it("passes a bucket with all four blocks on", () =>
      expect(stackViolations(cdn.s3PublicAccessBlocked, plan)).toEqual([]));
    it("fails a bucket without a block", () =>
      expect(
        stackViolations(
          cdn.s3PublicAccessBlocked,
          plan.filter((r) => r !== block),
        ),
      ).toEqual([{ resource: "media", message: 's3.BucketV2 "media": has no public-access block' }]));
    it("fails a block that leaves public policies allowed", () =>
      expect(
        stackViolations(
          cdn.s3PublicAccessBlocked,
          replace("media-public-access", (p) => (p.blockPublicPolicy = false)),
        )[0]?.message,
      ).toMatch(/leaves blockPublicPolicy off/));
    it("links a block by bucket name as well as by id", () =>
      expect(
        stackViolations(
          cdn.s3PublicAccessBlocked,
          replace("media-public-access", (p) => (p.bucket = "storyforge-v2-media")),
        ),
      ).toEqual([]));
  });
  describe("s3-encryption (M)", () => {
    it("passes a bucket with a default-encryption rule", () =>
      expect(stackViolations(cdn.s3Encrypted, plan)).toEqual([]));
    it("fails a bucket whose encryption configuration names no algorithm", () =>
      expect(
        stackViolations(
          cdn.s3Encrypted,
          replace("media-encryption", (p) => (p.rules = [{ bucketKeyEnabled: true }])),
        )[0]?.message,
      ).toMatch(/declares no default encryption/));
    it("accepts inline encryption on the older aws.s3.Bucket spelling", () => {
      const legacy = {
        type: T.bucket,
        name: "logs",
        inputs: {
          serverSideEncryptionConfiguration: {
            rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
          },
        },
      };
      expect(stackViolations(cdn.s3Encrypted, [legacy])).toEqual([]);
    });
  });
  describe("s3-versioning (T)", () => {
    it("passes a bucket with versioning enabled", () => expect(stackViolations(cdn.s3Versioning, plan)).toEqual([]));
    it("fails a bucket whose versioning is suspended", () =>
      expect(
        stackViolations(
          cdn.s3Versioning,
          replace("media-versioning", (p) => (p.versioningConfiguration.status = "Suspended")),
        )[0]?.message,
      ).toMatch(/status Suspended/));
  });
});

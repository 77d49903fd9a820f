import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type StackContext } from "../lib/context";
import {
  API_WRITE_HEADERS,
  behaviourProblems,
  type CacheBehaviourSpec,
  cachePolicyKey,
  type CdnOrigin,
  DEFAULT_BEHAVIOUR,
  MANAGED_POLICIES,
  ORDERED_BEHAVIOURS,
  PRICE_CLASS,
} from "../lib/cdn-behaviours";

/**
 * What the CDN needs from the API's load balancer (`LoadBalancer` has this shape): the CloudFront VPC origin in
 * front of the internal ALB, and the name CloudFront gives the origin (Host, and SNI when the VPC origin is HTTPS).
 */
export interface ApiOrigin {
  /** The ALB's DNS name, or the name on its certificate. */
  readonly originDomainName: pulumi.Input<string>;
  /** The VPC origin (`aws.cloudfront.VpcOrigin`) whose endpoint is the internal ALB. */
  readonly vpcOriginId: pulumi.Input<string>;
}

export interface CdnArgs {
  /** Stack context: tier (price class), custom domain (`customDomain`), names and tags. */
  context: StackContext;
  /** The API's load balancer: the default origin and the cached API paths. */
  loadBalancer: ApiOrigin;
  /**
   * ARN of a WAFv2 web ACL (scope CLOUDFRONT, us-east-1) to attach. Advisory: ~$5/month per ACL + $1 per rule +
   * $0.60 per million requests (≈ $1,800/month of request fees alone at v2's 3,000 M requests).
   * @default none
   */
  webAclArn?: pulumi.Input<string>;
  /**
   * Days CloudFront access logs are kept before S3 expires them.
   * @default 90
   */
  logRetentionDays?: number;
  /**
   * Let `pulumi destroy` delete non-empty buckets. Leave false where the assets are the product.
   * @default true for mvp, false above
   */
  forceDestroy?: boolean;
}

/** Canonical user of CloudFront's log delivery account (`awslogsdelivery`), which standard logging writes as. */
export const CLOUDFRONT_LOG_DELIVERY_CANONICAL_ID = "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0";

/**
 * CloudFront in front of everything (seed 000 §2.1 layers 1-2): the API behind its internal ALB, reached through a
 * VPC origin over AWS's network (cached reads of topics, scenes and playlists, every other request passed through
 * uncached) and a private S3 bucket of static assets and
 * video segments read through Origin Access Control. HTTPS only, HTTP/2 and 3, IPv6, compression, access logs to
 * a private logs bucket, an optional custom domain and an optional WAF web ACL.
 *
 * Monthly cost (us-east-1, tier usage assumptions in stacks/tiers.ts; transfer and requests dominate):
 * mvp 2 TB out + 30 M requests ≈ $200; v1 20 TB + 300 M ≈ $1,900; v2 200 TB + 3,000 M ≈ $14,000. Policies,
 * OAC and logging deliveries are free; log storage is S3 Standard.
 */
export class Cdn extends pulumi.ComponentResource {
  readonly distributionId: pulumi.Output<string>;
  readonly distributionArn: pulumi.Output<string>;
  /** The distribution's `*.cloudfront.net` name (a custom domain, when set, is an alias of it). */
  readonly domainName: pulumi.Output<string>;
  /** Route 53 zone of CloudFront, for an alias record of the custom domain. */
  readonly hostedZoneId: pulumi.Output<string>;
  /** Bucket of static assets and video segments (private; only this distribution reads it). */
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly logsBucketName: pulumi.Output<string>;
  /** Viewer TLS floor: TLSv1.2_2021 with a custom certificate; TLSv1 is all the default certificate allows. */
  readonly minimumProtocolVersion: string;

  constructor(name: string, args: CdnArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:edge:Cdn", name, {}, opts);
    const { context, loadBalancer } = args;
    const { tier, customDomain } = context.config;
    const logRetentionDays = args.logRetentionDays ?? 90;
    const forceDestroy = args.forceDestroy ?? tier.name === "mvp";
    if (!Number.isInteger(logRetentionDays) || logRetentionDays < 1) {
      throw new Error(`logRetentionDays must be a whole number of days, at least 1, got ${logRetentionDays}`);
    }
    const problems = behaviourProblems(ORDERED_BEHAVIOURS);
    if (problems.length > 0)
      throw new Error(`CDN behaviour table (infra/lib/cdn-behaviours.ts):\n${problems.join("\n")}`);
    const parent = { parent: this };

    // Buckets: the assets the viewers fetch, and the access logs.
    const assets = privateBucket(name, "assets", context, this, {
      forceDestroy,
      objectOwnership: "BucketOwnerEnforced",
    });
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-assets-lifecycle`,
      {
        bucket: assets.id,
        rules: [
          // Segments are immutable; an overwrite is a mistake kept 30 days for recovery, then freed.
          {
            id: "expire-noncurrent",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: 30 },
          },
          {
            id: "abort-multipart",
            status: "Enabled",
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      parent,
    );

    // Standard logging (legacy) writes with the bucket ACL: ACLs on (BucketOwnerPreferred, so the logs still
    // belong to us) and a FULL_CONTROL grant to awslogsdelivery. Chosen over standard logging v2 (CloudWatch
    // log deliveries): delivery is free (v2 bills vended-log GBs), it needs no us-east-1 delivery source beside
    // the stack's provider, and AWS Config's cloudfront-accesslogs-enabled recognises it.
    const logs = privateBucket(name, "logs", context, this, { forceDestroy, objectOwnership: "BucketOwnerPreferred" });
    const owner = aws.s3.getCanonicalUserIdOutput(parent);
    const logsAcl = new aws.s3.BucketAcl(
      `${name}-logs-acl`,
      {
        bucket: logs.id,
        accessControlPolicy: {
          owner: { id: owner.id },
          grants: [
            { grantee: { type: "CanonicalUser", id: owner.id }, permission: "FULL_CONTROL" },
            {
              grantee: { type: "CanonicalUser", id: CLOUDFRONT_LOG_DELIVERY_CANONICAL_ID },
              permission: "FULL_CONTROL",
            },
          ],
        },
      },
      { parent: this, dependsOn: [logs.ownership] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-logs-lifecycle`,
      {
        bucket: logs.id,
        rules: [
          {
            id: "expire-logs",
            status: "Enabled",
            filter: {},
            expiration: { days: logRetentionDays },
            noncurrentVersionExpiration: { noncurrentDays: 1 },
          },
        ],
      },
      parent,
    );
    new aws.s3.BucketPolicy(
      `${name}-logs-policy`,
      {
        bucket: logs.id,
        policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [denyInsecureTransport(logs.arn)] }),
      },
      { parent: this, dependsOn: [logs.publicAccessBlock] },
    );

    const oac = new aws.cloudfront.OriginAccessControl(
      `${name}-oac`,
      {
        name: context.name("cdn-assets", 64),
        description: "StoryForge CDN reads the assets bucket, every request signed",
        originAccessControlOriginType: "s3",
        signingBehavior: "always",
        signingProtocol: "sigv4",
      },
      parent,
    );

    // One cache policy per distinct (TTL, query key) pair: behaviours that agree share one, which keeps the
    // account under CloudFront's quota of 20 custom cache policies with several stacks in it.
    const cachePolicies = new Map<string, aws.cloudfront.CachePolicy>();
    for (const b of ORDERED_BEHAVIOURS) {
      const key = cachePolicyKey(b);
      if (key === null || cachePolicies.has(key)) continue;
      cachePolicies.set(key, cachePolicy(name, key, b, context, this));
    }
    const apiWrites = new aws.cloudfront.OriginRequestPolicy(
      `${name}-api-writes`,
      {
        name: context.name("cdn-api-writes", 128),
        comment: "Cached API paths also take writes: forward the body's type, CORS and tracing headers (not keyed)",
        headersConfig: { headerBehavior: "whitelist", headers: { items: [...API_WRITE_HEADERS] } },
        cookiesConfig: { cookieBehavior: "none" },
        queryStringsConfig: { queryStringBehavior: "none" },
      },
      parent,
    );

    const behaviour = (b: CacheBehaviourSpec) => {
      const key = cachePolicyKey(b);
      return {
        targetOriginId: b.origin,
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: [...b.allowedMethods],
        cachedMethods: [...b.cachedMethods],
        compress: true,
        cachePolicyId: key === null ? MANAGED_POLICIES.cachingDisabled : cachePolicies.get(key)!.id,
        originRequestPolicyId: originRequestPolicyFor(b, apiWrites.id),
        responseHeadersPolicyId: MANAGED_POLICIES.securityHeaders,
      };
    };

    // A custom certificate lifts the viewer TLS floor to 1.2; the default *.cloudfront.net certificate is
    // pinned by CloudFront to TLSv1 whatever is requested, so that is what we declare (no perpetual diff).
    this.minimumProtocolVersion = customDomain ? "TLSv1.2_2021" : "TLSv1";
    const distributionName = context.name("cdn");
    const distribution = new aws.cloudfront.Distribution(
      `${name}-distribution`,
      {
        enabled: true,
        comment: `StoryForge ${context.config.stack}: API and media`,
        aliases: customDomain ? [customDomain.domainName] : [],
        origins: [
          {
            originId: "api" satisfies CdnOrigin,
            domainName: loadBalancer.originDomainName,
            // Protocol, ports and TLS versions are the VPC origin's; no custom origin, no shared-secret header.
            vpcOriginConfig: {
              vpcOriginId: loadBalancer.vpcOriginId,
              // Scene creation enqueues and returns; 30 s is CloudFront's default and enough for any API call.
              originReadTimeout: 30,
              originKeepaliveTimeout: 5,
            },
          },
          {
            originId: "assets" satisfies CdnOrigin,
            domainName: assets.bucket.bucketRegionalDomainName,
            originAccessControlId: oac.id,
          },
        ],
        defaultCacheBehavior: behaviour(DEFAULT_BEHAVIOUR),
        orderedCacheBehaviors: ORDERED_BEHAVIOURS.map((b) => ({ pathPattern: b.pathPattern, ...behaviour(b) })),
        priceClass: PRICE_CLASS[tier.name],
        httpVersion: "http2and3",
        isIpv6Enabled: true,
        viewerCertificate: customDomain
          ? {
              acmCertificateArn: customDomain.certificateArn,
              sslSupportMethod: "sni-only",
              minimumProtocolVersion: this.minimumProtocolVersion,
            }
          : { cloudfrontDefaultCertificate: true, minimumProtocolVersion: this.minimumProtocolVersion },
        restrictions: { geoRestriction: { restrictionType: "none" } },
        loggingConfig: { bucket: logs.bucket.bucketDomainName, prefix: "cloudfront/", includeCookies: false },
        webAclId: args.webAclArn,
        tags: context.tags({ Name: distributionName }),
      },
      { parent: this, dependsOn: [logsAcl] },
    );

    // Only this distribution may read the assets, and only over TLS.
    new aws.s3.BucketPolicy(
      `${name}-assets-policy`,
      {
        bucket: assets.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "CloudFrontReadsThroughOac",
              Effect: "Allow",
              Principal: { Service: "cloudfront.amazonaws.com" },
              Action: "s3:GetObject",
              Resource: pulumi.interpolate`${assets.bucket.arn}/*`,
              Condition: { StringEquals: { "AWS:SourceArn": distribution.arn } },
            },
            denyInsecureTransport(assets.bucket.arn),
          ],
        }),
      },
      { parent: this, dependsOn: [assets.publicAccessBlock] },
    );

    this.distributionId = distribution.id;
    this.distributionArn = distribution.arn;
    this.domainName = distribution.domainName;
    this.hostedZoneId = distribution.hostedZoneId;
    this.bucketName = assets.bucket.bucket;
    this.bucketArn = assets.bucket.arn;
    this.logsBucketName = logs.bucket.bucket;
    this.registerOutputs({
      distributionId: this.distributionId,
      domainName: this.domainName,
      bucketName: this.bucketName,
      logsBucketName: this.logsBucketName,
    });
  }
}

/** Uncached API paths get every viewer header but Host; cached API paths the write headers; S3 nothing. */
function originRequestPolicyFor(
  b: CacheBehaviourSpec,
  apiWrites: pulumi.Output<string>,
): pulumi.Input<string> | undefined {
  if (b.origin === "assets") return undefined;
  return b.ttl === null ? MANAGED_POLICIES.allViewerExceptHostHeader : apiWrites;
}

/** Refuses plain-HTTP access to a bucket, whoever asks. */
function denyInsecureTransport(bucketArn: pulumi.Output<string>) {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** A bucket nobody outside the account can reach: public access blocked, SSE, versioning, one owner. */
function privateBucket(
  name: string,
  part: "assets" | "logs",
  context: StackContext,
  owner: pulumi.Resource,
  opts: { forceDestroy: boolean; objectOwnership: "BucketOwnerEnforced" | "BucketOwnerPreferred" },
) {
  const parent = { parent: owner };
  const bucketName = context.bucketName(`cdn-${part}`, aws.getCallerIdentityOutput({}, parent).accountId);
  const bucket = new aws.s3.Bucket(
    `${name}-${part}`,
    {
      bucket: bucketName,
      forceDestroy: opts.forceDestroy,
      tags: { ...context.tags(), Name: bucketName },
    },
    parent,
  );
  const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
    `${name}-${part}-public-access`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    parent,
  );
  const ownership = new aws.s3.BucketOwnershipControls(
    `${name}-${part}-ownership`,
    {
      bucket: bucket.id,
      rule: { objectOwnership: opts.objectOwnership },
    },
    parent,
  );
  // SSE-S3 (AES256), not KMS: the assets are public through the CDN by design, so a customer key adds no
  // confidentiality, while it would add a KMS request per cache miss and a key policy naming the distribution;
  // legacy log delivery cannot write to an SSE-KMS bucket without a key grant to awslogsdelivery either.
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-${part}-encryption`,
    {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    },
    parent,
  );
  new aws.s3.BucketVersioning(
    `${name}-${part}-versioning`,
    {
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
    },
    parent,
  );
  return { bucket, id: bucket.id, arn: bucket.arn, publicAccessBlock, ownership };
}

function cachePolicy(name: string, key: string, b: CacheBehaviourSpec, context: StackContext, owner: pulumi.Resource) {
  const ttl = b.ttl!;
  return new aws.cloudfront.CachePolicy(
    `${name}-cache-${key}`,
    {
      name: context.name(`cdn-${key}`, 128),
      comment: `TTL ${ttl.min}/${ttl.default}/${ttl.max} s, origin Cache-Control honoured within; ${b.queryStrings.length} query keys`,
      minTtl: ttl.min,
      defaultTtl: ttl.default,
      maxTtl: ttl.max,
      parametersInCacheKeyAndForwardedToOrigin: {
        // Brotli and gzip variants are cached apart; the viewer's Accept-Encoding is normalised into the key.
        enableAcceptEncodingBrotli: true,
        enableAcceptEncodingGzip: true,
        headersConfig: { headerBehavior: "none" },
        cookiesConfig: { cookieBehavior: "none" },
        queryStringsConfig:
          b.queryStrings.length > 0
            ? { queryStringBehavior: "whitelist", queryStrings: { items: [...b.queryStrings] } }
            : { queryStringBehavior: "none" },
      },
    },
    { parent: owner },
  );
}

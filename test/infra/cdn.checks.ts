/**
 * The CDN rules every tier must keep, run against one stack's plan. Each tier's test file calls `cdnSuite`
 * (one plan per file: the Pulumi runtime is global).
 */
import { type Plan, type PlannedResource } from "../../tools/plan/harness";
import { CALL_RESULTS, RESOURCE_STATE } from "../../tools/plan/mocks";
import { MOCK_ACCOUNT_ID } from "../../tools/plan/mocks-lookups";
import { CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP } from "../../infra/components/load-balancer";
import {
  ALL_METHODS,
  behaviourFor,
  type CacheBehaviourSpec,
  MANAGED_POLICIES,
  ONE_YEAR,
  ORDERED_BEHAVIOURS,
  PRICE_CLASS,
} from "../../infra/lib/cdn-behaviours";
import { REQUIRED_TAGS } from "../../infra/lib/context";
import { type TierName } from "../../stacks/tiers";
import { CDN, EDGE, planCdn } from "./cdn.support";
import { PLAN_TIMEOUT_MS } from "../support/plan";

type Inputs = Record<string, any>;

export function cdnSuite(stack: TierName): void {
  let plan: Plan;
  let dist: Inputs;
  const ofType = (type: string) => plan.resources.filter((r) => r.type === type);
  const byId = (type: string, id: unknown): PlannedResource => {
    const found = ofType(type).find((r) => `${r.name}-id` === id);
    if (!found) throw new Error(`no ${type} with id ${String(id)}`);
    return found;
  };
  /** The distribution's behaviour for a path pattern (`*` = the default behaviour). */
  const behaviourInPlan = (pattern: string): Inputs =>
    pattern === "*"
      ? dist.defaultCacheBehavior
      : dist.orderedCacheBehaviors.find((b: Inputs) => b.pathPattern === pattern);
  /** TTLs CloudFront applies to a path: the cache policy the path's behaviour points at. */
  const ttlFor = (path: string) => {
    const spec = behaviourFor(path);
    const b = behaviourInPlan(spec.pathPattern);
    if (b.cachePolicyId === MANAGED_POLICIES.cachingDisabled) return null;
    const policy = byId(CDN.cachePolicy, b.cachePolicyId).inputs as Inputs;
    return { min: policy.minTtl, default: policy.defaultTtl, max: policy.maxTtl, policy };
  };
  const assetsBucket = () => ofType(CDN.bucket).find((r) => r.name === "cdn-assets")!;
  const logsBucket = () => ofType(CDN.bucket).find((r) => r.name === "cdn-logs")!;
  const settingOf = (type: string, bucket: PlannedResource) =>
    ofType(type).filter((r) => (r.inputs as Inputs).bucket === `${bucket.name}-id`);

  beforeAll(async () => {
    plan = await planCdn(stack);
    const dists = ofType(CDN.distribution);
    expect(dists).toHaveLength(1);
    dist = dists[0].inputs;
  }, PLAN_TIMEOUT_MS);

  describe(`${stack}: CloudFront behaviours (seed 000 §2.1)`, () => {
    it.each([
      ["/topics", 300],
      ["/topics/6f1c2b9e-0000-4000-8000-000000000002", 300],
      ["/scenes", 60],
      ["/scenes/6f1c2b9e-0000-4000-8000-000000000001", 30],
      ["/scenes/6f1c2b9e-0000-4000-8000-000000000001/playlist", 30],
      ["/segments/6f1c2b9e/index.m3u8", 30],
    ])("GET %s is cached at most %i s, min 0 so the API's s-maxage can lower it", (path, seconds) => {
      const ttl = ttlFor(path)!;
      expect(ttl).not.toBeNull();
      expect([ttl.min, ttl.default, ttl.max]).toEqual([0, seconds, seconds]);
    });

    it.each(["/segments/6f1c2b9e/000001.m4s", "/video/6f1c2b9e/000001.ts", "/assets/app.3f9a1c.js"])(
      "%s is immutable for a year from S3 (min = default = max = 31536000)",
      (path) => {
        const ttl = ttlFor(path)!;
        expect([ttl.min, ttl.default, ttl.max]).toEqual([ONE_YEAR, ONE_YEAR, ONE_YEAR]);
        expect(behaviourInPlan(behaviourFor(path).pathPattern).targetOriginId).toBe("assets");
      },
    );

    it("the scene list varies by topicId, cursor and limit and by nothing else", () => {
      const key = ttlFor("/scenes")!.policy.parametersInCacheKeyAndForwardedToOrigin;
      expect(key.queryStringsConfig.queryStringBehavior).toBe("whitelist");
      expect([...key.queryStringsConfig.queryStrings.items].sort()).toEqual(["cursor", "limit", "topicId"]);
      expect(key.headersConfig.headerBehavior).toBe("none");
      expect(key.cookiesConfig.cookieBehavior).toBe("none");
    });

    it("no other cached behaviour keys on query strings, headers or cookies", () => {
      for (const path of ["/topics", "/scenes/x", "/scenes/x/playlist", "/assets/a.js", "/segments/x/1.ts"]) {
        const key = ttlFor(path)!.policy.parametersInCacheKeyAndForwardedToOrigin;
        expect([
          path,
          key.queryStringsConfig.queryStringBehavior,
          key.headersConfig.headerBehavior,
          key.cookiesConfig.cookieBehavior,
        ]).toEqual([path, "none", "none", "none"]);
      }
    });

    it("the distribution declares every behaviour of the table, in the table's order", () => {
      expect(dist.orderedCacheBehaviors.map((b: Inputs) => b.pathPattern)).toEqual(
        ORDERED_BEHAVIOURS.map((b) => b.pathPattern),
      );
      for (const spec of ORDERED_BEHAVIOURS) {
        const b = behaviourInPlan(spec.pathPattern);
        expect([spec.pathPattern, b.targetOriginId, [...b.allowedMethods].sort(), [...b.cachedMethods].sort()]).toEqual(
          [spec.pathPattern, spec.origin, [...spec.allowedMethods].sort(), [...spec.cachedMethods].sort()],
        );
      }
    });

    it("more specific paths come first: the playlist before /scenes/*, .m3u8 playlists before year-long /segments/*", () => {
      const order = dist.orderedCacheBehaviors.map((b: Inputs) => b.pathPattern);
      expect(order.indexOf("/scenes/*/playlist")).toBeLessThan(order.indexOf("/scenes/*"));
      expect(order.indexOf("*.m3u8")).toBeLessThan(order.indexOf("/segments/*"));
      expect(order.indexOf("*.m3u8")).toBeLessThan(order.indexOf("/assets/*"));
    });

    it("everything else goes to the API uncached, with every method and every viewer header but Host", () => {
      const b = dist.defaultCacheBehavior;
      expect(b.targetOriginId).toBe("api");
      expect(b.cachePolicyId).toBe(MANAGED_POLICIES.cachingDisabled);
      expect(b.originRequestPolicyId).toBe(MANAGED_POLICIES.allViewerExceptHostHeader);
      expect([...b.allowedMethods].sort()).toEqual([...ALL_METHODS].sort());
      expect(ttlFor("/jobs/6f1c2b9e-0000-4000-8000-000000000003")).toBeNull();
      expect(ttlFor("/search")).toBeNull();
    });

    it("cached API paths still pass writes (POST /scenes) with their body headers", () => {
      for (const pattern of ["/scenes", "/scenes/*"]) {
        const b = behaviourInPlan(pattern);
        expect([...b.allowedMethods].sort()).toEqual([...ALL_METHODS].sort());
        expect([...b.cachedMethods].sort()).toEqual(["GET", "HEAD"]);
        const orp = byId(CDN.originRequestPolicy, b.originRequestPolicyId).inputs as Inputs;
        expect(orp.headersConfig.headers.items).toContain("Content-Type");
        // CloudFront refuses an origin request policy that forwards Authorization; writes carry it anyway.
        expect(orp.headersConfig.headers.items.map((h: string) => h.toLowerCase())).not.toContain("authorization");
      }
    });

    it("S3 paths accept only GET and HEAD and forward nothing extra to the bucket", () => {
      for (const spec of ORDERED_BEHAVIOURS.filter((s: CacheBehaviourSpec) => s.origin === "assets")) {
        const b = behaviourInPlan(spec.pathPattern);
        expect([spec.pathPattern, [...b.allowedMethods].sort(), b.originRequestPolicyId]).toEqual([
          spec.pathPattern,
          ["GET", "HEAD"],
          undefined,
        ]);
      }
    });

    it("behaviours sharing TTLs and key share one cache policy (CloudFront allows 20 per account)", () => {
      const used = new Set(
        [...dist.orderedCacheBehaviors, dist.defaultCacheBehavior].map((b: Inputs) => b.cachePolicyId),
      );
      const custom = ofType(CDN.cachePolicy);
      expect(custom.length).toBeLessThanOrEqual(5);
      for (const p of custom) expect(used.has(`${p.name}-id`)).toBe(true);
    });
  });

  describe(`${stack}: viewers, TLS and the edge`, () => {
    it("viewers reach every behaviour over HTTPS only (HTTP redirects)", () => {
      for (const b of [dist.defaultCacheBehavior, ...dist.orderedCacheBehaviors]) {
        expect(["redirect-to-https", "https-only"]).toContain(b.viewerProtocolPolicy);
      }
    });

    it("without a custom domain the default certificate is used and its TLSv1 floor is declared as is", () => {
      expect(dist.viewerCertificate).toEqual({ cloudfrontDefaultCertificate: true, minimumProtocolVersion: "TLSv1" });
      expect(dist.aliases ?? []).toEqual([]);
    });

    it("compression is on for every behaviour, HTTP/2 and 3 and IPv6 are on", () => {
      for (const b of [dist.defaultCacheBehavior, ...dist.orderedCacheBehaviors]) expect(b.compress).toBe(true);
      expect(dist.httpVersion).toBe("http2and3");
      expect(dist.isIpv6Enabled).toBe(true);
    });

    it(`${stack} uses price class ${PRICE_CLASS[stack]}`, () => {
      expect(dist.priceClass).toBe(PRICE_CLASS[stack]);
    });

    it("every response carries the managed security headers (HSTS and friends)", () => {
      for (const b of [dist.defaultCacheBehavior, ...dist.orderedCacheBehaviors]) {
        expect(b.responseHeadersPolicyId).toBe(MANAGED_POLICIES.securityHeaders);
      }
    });
  });

  describe(`${stack}: the API origin is never reached in cleartext over the internet`, () => {
    const api = () => dist.origins.find((o: Inputs) => o.originId === "api");
    const one = (type: string, name: string): Inputs => {
      const found = ofType(type).filter((r) => r.name === name);
      expect(found).toHaveLength(1);
      return found[0].inputs;
    };
    const albArn = () => {
      const alb = ofType(EDGE.loadBalancer).find((r) => r.name === "load-balancer-alb")!;
      return RESOURCE_STATE[EDGE.loadBalancer](alb.inputs, alb.name, { region: "us-east-1" }).arn;
    };

    it("the API origin is a CloudFront VPC origin whose endpoint is the ALB: no custom origin, no shared-secret header", () => {
      const origin = api();
      expect(origin.customOriginConfig).toBeUndefined();
      expect(origin.customHeaders ?? []).toEqual([]);
      const [vpcOrigin, ...more] = ofType(EDGE.vpcOrigin);
      expect(more).toEqual([]);
      expect(origin.vpcOriginConfig.vpcOriginId).toBe(`${vpcOrigin.name}-id`);
      expect((vpcOrigin.inputs as Inputs).vpcOriginEndpointConfig.arn).toBe(albArn());
      expect(origin.domainName).toBe((plan.outputs.app as Inputs).loadBalancer.originDomainName);
    });

    it("the ALB is internal, in the private subnets, so it has no address on the internet", () => {
      const alb = one(EDGE.loadBalancer, "load-balancer-alb");
      expect(alb.internal).toBe(true);
      const privateSubnets = ofType(EDGE.subnet)
        .filter((s) => (s.inputs as Inputs).tags?.["subnet-role"] === "private")
        .map((s) => `${s.name}-id`);
      expect([...alb.subnets].sort()).toEqual(privateSubnets.sort());
    });

    it("the ALB admits only CloudFront's VPC-origin service security group, on the listener's port", () => {
      const sgId = "load-balancer-sg-id";
      expect(one(EDGE.securityGroup, "load-balancer-sg").ingress ?? []).toEqual([]);
      const ingress = ofType(EDGE.ingressRule).filter((r) => (r.inputs as Inputs).securityGroupId === sgId);
      expect(ingress).toHaveLength(1);
      const rule = ingress[0].inputs as Inputs;
      const listener = one(EDGE.listener, "load-balancer-listener");
      const vpcId = (plan.outputs.vpc as Inputs).id;
      const cloudfrontGroup = CALL_RESULTS["aws:ec2/getSecurityGroup:getSecurityGroup"](
        {
          filters: [
            { name: "group-name", values: [CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP] },
            { name: "vpc-id", values: [vpcId] },
          ],
        },
        { region: "us-east-1" },
      );
      expect(rule).toMatchObject({
        referencedSecurityGroupId: cloudfrontGroup.id,
        ipProtocol: "tcp",
        fromPort: listener.port,
        toPort: listener.port,
      });
      expect(rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.prefixListId).toBeUndefined();
    });

    it("the ALB's security group is named and described without its port: both are ForceNew, and a replacement under a fixed name fails", () => {
      const sg = one(EDGE.securityGroup, "load-balancer-sg");
      expect(sg.description).toBe("StoryForge API load balancer: CloudFront VPC origins only");
      expect(`${sg.name} ${sg.description}`).not.toMatch(/\b(80|443)\b/);
    });

    it("the ALB's VPC has an internet gateway attached, which CloudFront VPC origins require (it carries none of their traffic)", () => {
      const vpcId = (plan.outputs.vpc as Inputs).id;
      expect(ofType(EDGE.internetGateway).filter((g) => (g.inputs as Inputs).vpcId === vpcId)).toHaveLength(1);
    });

    it("without an origin certificate the VPC origin speaks HTTP to the internal listener on port 80, TLS 1.2 only if it ever speaks HTTPS", () => {
      const config = one(EDGE.vpcOrigin, "load-balancer-vpc-origin").vpcOriginEndpointConfig;
      expect(config).toMatchObject({ originProtocolPolicy: "http-only", httpPort: 80, httpsPort: 443 });
      expect(config.originSslProtocols).toEqual({ items: ["TLSv1.2"], quantity: 1 });
      expect(one(EDGE.listener, "load-balancer-listener")).toMatchObject({ port: 80, protocol: "HTTP" });
      expect((plan.outputs.app as Inputs).loadBalancer.originProtocol).toBe("http-only");
    });
  });

  describe(`${stack}: secrets`, () => {
    it("no generated secret's value appears in the distribution or the outputs", () => {
      const values = ofType(CDN.randomPassword).map(
        (r) => RESOURCE_STATE[CDN.randomPassword](r.inputs as Inputs, r.name, { region: "us-east-1" }).result as string,
      );
      expect(values.length).toBeGreaterThan(0);
      const shown = JSON.stringify([dist, plan.outputs]);
      for (const value of values) expect(shown).not.toContain(value);
    });

    it("the S3 origin carries no custom header and is signed through Origin Access Control (sigv4, always)", () => {
      const s3 = dist.origins.find((o: Inputs) => o.originId === "assets");
      expect(s3.customHeaders).toBeUndefined();
      const oac = byId(CDN.oac, s3.originAccessControlId).inputs as Inputs;
      expect(oac).toMatchObject({
        originAccessControlOriginType: "s3",
        signingBehavior: "always",
        signingProtocol: "sigv4",
      });
      expect(s3.domainName).toBe(`${(assetsBucket().inputs as Inputs).bucket}.s3.us-east-1.amazonaws.com`);
    });
  });

  describe(`${stack}: buckets`, () => {
    it("every bucket's name ends with this account and region (S3 names are global: CreateBucket BucketAlreadyExists)", () => {
      const names = ofType(CDN.bucket).map((b) => String((b.inputs as Inputs).bucket));
      expect(names.length).toBeGreaterThanOrEqual(3);
      for (const name of names) {
        expect(name).toMatch(new RegExp(`^storyforge-${stack}-[a-z0-9-]+-${MOCK_ACCOUNT_ID}-us-east-1$`));
        // S3's rules: 3-63 characters, lower-case letters, digits and hyphens, starting and ending alphanumeric
        expect(name).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
      }
      expect(new Set(names).size).toBe(names.length);
    });

    it("only this account's load balancer logs may be written to the access-log bucket (prefix/AWSLogs/<account>/)", () => {
      const bucket = ofType(CDN.bucket).find((r) => r.name === "load-balancer-logs")!;
      const [policy] = settingOf(CDN.bucketPolicy, bucket);
      const doc = JSON.parse((policy.inputs as Inputs).policy);
      const delivery = doc.Statement.find((s: Inputs) => s.Sid === "ElbLogDelivery");
      expect(delivery.Resource).toBe(
        `arn:aws:s3:::${(bucket.inputs as Inputs).bucket}/alb/AWSLogs/${MOCK_ACCOUNT_ID}/*`,
      );
    });

    it.each(["cdn-assets", "cdn-logs"])("%s blocks every kind of public access", (name) => {
      const bucket = ofType(CDN.bucket).find((r) => r.name === name)!;
      const [block] = settingOf(CDN.publicAccessBlock, bucket);
      expect(block.inputs).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
    });

    it.each(["cdn-assets", "cdn-logs"])("%s is encrypted at rest and versioned", (name) => {
      const bucket = ofType(CDN.bucket).find((r) => r.name === name)!;
      const [sse] = settingOf(CDN.encryption, bucket);
      expect((sse.inputs as Inputs).rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe("AES256");
      const [versioning] = settingOf(CDN.versioning, bucket);
      expect((versioning.inputs as Inputs).versioningConfiguration.status).toBe("Enabled");
    });

    it("only this distribution may read the assets (AWS:SourceArn), and only over TLS", () => {
      const [policy] = settingOf(CDN.bucketPolicy, assetsBucket());
      const doc = JSON.parse((policy.inputs as Inputs).policy);
      const allows = doc.Statement.filter((s: Inputs) => s.Effect === "Allow");
      expect(allows).toHaveLength(1);
      expect(allows[0].Principal).toEqual({ Service: "cloudfront.amazonaws.com" });
      expect(allows[0].Action).toBe("s3:GetObject");
      expect(allows[0].Condition.StringEquals["AWS:SourceArn"]).toMatch(/^arn:aws:cloudfront::\d{12}:distribution\//);
      expect(
        doc.Statement.some(
          (s: Inputs) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false",
        ),
      ).toBe(true);
    });

    it("the assets bucket has ACLs disabled (bucket owner enforced)", () => {
      const [ownership] = settingOf(CDN.ownership, assetsBucket());
      expect((ownership.inputs as Inputs).rule.objectOwnership).toBe("BucketOwnerEnforced");
    });

    it("bucket names carry project and stack and fit S3's 63 characters", () => {
      for (const b of ofType(CDN.bucket)) {
        const bucket = (b.inputs as Inputs).bucket as string;
        expect(bucket.length).toBeLessThanOrEqual(63);
        expect(bucket.startsWith(`storyforge-${stack}-`)).toBe(true);
      }
    });

    it("buckets and distribution carry the required tags", () => {
      for (const r of [...ofType(CDN.bucket), ...ofType(CDN.distribution)]) {
        const tags = (r.inputs as Inputs).tags;
        for (const tag of REQUIRED_TAGS) expect([r.name, tag, typeof tags[tag]]).toEqual([r.name, tag, "string"]);
        expect(tags.stack).toBe(stack);
      }
    });
  });

  describe(`${stack}: access logs`, () => {
    it("the distribution logs to the private logs bucket", () => {
      const logs = logsBucket().inputs as Inputs;
      expect(dist.loggingConfig).toEqual({
        bucket: `${logs.bucket}.s3.amazonaws.com`,
        prefix: "cloudfront/",
        includeCookies: false,
      });
    });

    it("the logs bucket lets CloudFront's log delivery write (ACLs on, awslogsdelivery FULL_CONTROL)", () => {
      const [ownership] = settingOf(CDN.ownership, logsBucket());
      expect((ownership.inputs as Inputs).rule.objectOwnership).toBe("BucketOwnerPreferred");
      const [acl] = settingOf(CDN.acl, logsBucket());
      const grants = (acl.inputs as Inputs).accessControlPolicy.grants;
      expect(grants).toContainEqual({
        grantee: { type: "CanonicalUser", id: "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0" },
        permission: "FULL_CONTROL",
      });
      const owner = (acl.inputs as Inputs).accessControlPolicy.owner.id;
      expect(grants).toContainEqual({ grantee: { type: "CanonicalUser", id: owner }, permission: "FULL_CONTROL" });
    });
  });

  describe(`${stack}: outputs`, () => {
    it("exports the CDN's domain name, distribution id and bucket name", () => {
      const cdn = plan.outputs.cdn as Inputs;
      expect(cdn.domainName).toMatch(/\.cloudfront\.net$/);
      expect(cdn.distributionId).toBe("cdn-distribution-id");
      expect(cdn.bucketName).toBe((assetsBucket().inputs as Inputs).bucket);
    });
  });
}

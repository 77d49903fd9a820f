import {
  ALL_METHODS,
  behaviourFor,
  behaviourProblems,
  type CacheBehaviourSpec,
  cachePolicyKey,
  DEFAULT_BEHAVIOUR,
  matchesPathPattern,
  ONE_YEAR,
  ORDERED_BEHAVIOURS,
  PRICE_CLASS,
} from "../../infra/lib/cdn-behaviours";
import { CACHE_CONTROL } from "../../core/keys";
import { ConfigError, customDomainProblems, resolveStackConfig } from "../../stacks/config";

const byPattern = (pattern: string): CacheBehaviourSpec => ORDERED_BEHAVIOURS.find((b) => b.pathPattern === pattern)!;
const sMaxAge = (header: string): number => Number(/s-maxage=(\d+)/.exec(header)![1]);

describe("CloudFront path patterns", () => {
  it.each([
    ["/topics*", "/topics", true],
    ["/topics*", "/topics/abc", true],
    ["/scenes", "/scenes", true],
    ["/scenes", "/scenes/abc", false],
    ["/scenes/*", "/scenes/abc", true],
    ["/scenes/*/playlist", "/scenes/abc/playlist", true],
    ["/scenes/*/playlist", "/scenes/abc/segments", false],
    ["*.m3u8", "/segments/a/index.m3u8", true],
    ["*.ts", "/segments/a/1.ts", true],
    ["*.ts", "/segments/a/1.tsx", false],
    ["/assets/*", "/Assets/app.js", false],
    ["/a?c", "/abc", true],
  ])("%s matches %s: %s", (pattern, path, expected) => {
    expect(matchesPathPattern(pattern, path)).toBe(expected);
  });
});

describe("the behaviour table (seed 000 §2.1)", () => {
  it("is sound: every example reaches its own behaviour, TTLs are ordered, methods are sets CloudFront accepts", () => {
    expect(behaviourProblems()).toEqual([]);
  });

  it("a table with /scenes/* before the playlist is refused: the playlist would be unreachable", () => {
    const swapped = [
      byPattern("/scenes/*"),
      byPattern("/scenes/*/playlist"),
      ...ORDERED_BEHAVIOURS.filter((b) => !b.pathPattern.startsWith("/scenes/")),
    ];
    expect(behaviourProblems(swapped)).toContain(
      "/scenes/6f1c2b9e-0000-4000-8000-000000000001/playlist should reach /scenes/*/playlist but /scenes/* matches first",
    );
  });

  it("a table with /segments/* before *.m3u8 is refused: playlists would be cached for a year", () => {
    const reordered = [...ORDERED_BEHAVIOURS.filter((b) => b.pathPattern !== "*.m3u8"), byPattern("*.m3u8")];
    expect(
      behaviourProblems(reordered).some((p) => p.includes("should reach *.m3u8 but /segments/* matches first")),
    ).toBe(true);
  });

  it("a TTL whose default exceeds its max is refused", () => {
    const bad = { ...byPattern("/topics*"), ttl: { min: 0, default: 600, max: 300 } };
    expect(behaviourProblems([bad])).toEqual([expect.stringContaining("/topics*: TTLs must satisfy")]);
  });

  it.each([
    ["/topics", 300],
    ["/scenes", 60],
    ["/scenes/6f1c2b9e-0000-4000-8000-000000000001", 30],
    ["/scenes/6f1c2b9e-0000-4000-8000-000000000001/playlist", 30],
    ["/segments/a/index.m3u8", 30],
  ])("%s is cached at most %i s, and the origin may lower it (min 0)", (path, seconds) => {
    expect(behaviourFor(path).ttl).toEqual({ min: 0, default: seconds, max: seconds });
  });

  it.each(["/segments/a/000001.m4s", "/video/a/000001.ts", "/assets/app.js"])(
    "%s is immutable for a year on S3",
    (path) => {
      const b = behaviourFor(path);
      expect([b.origin, b.ttl]).toEqual(["assets", { min: ONE_YEAR, default: ONE_YEAR, max: ONE_YEAR }]);
    },
  );

  it.each(["/jobs/abc", "/search", "/health/ready", "/internal/queue-depth", "/"])(
    "%s falls to the uncached API default",
    (path) => {
      expect(behaviourFor(path)).toBe(DEFAULT_BEHAVIOUR);
      expect(DEFAULT_BEHAVIOUR.ttl).toBeNull();
      expect([...DEFAULT_BEHAVIOUR.allowedMethods].sort()).toEqual([...ALL_METHODS].sort());
    },
  );

  it("every API path accepts every method, every S3 path only GET and HEAD; only GET and HEAD are cached", () => {
    for (const b of ORDERED_BEHAVIOURS) {
      const expected = b.origin === "api" ? [...ALL_METHODS].sort() : ["GET", "HEAD"];
      expect([b.pathPattern, [...b.allowedMethods].sort(), [...b.cachedMethods].sort()]).toEqual([
        b.pathPattern,
        expected,
        ["GET", "HEAD"],
      ]);
    }
  });

  it("the CDN's ceilings equal the s-maxage the API sends (core/keys.ts)", () => {
    expect(behaviourFor("/topics").ttl!.max).toBe(sMaxAge(CACHE_CONTROL.topics));
    expect(behaviourFor("/scenes").ttl!.max).toBe(sMaxAge(CACHE_CONTROL.sceneList));
    expect(behaviourFor("/scenes/x").ttl!.max).toBe(sMaxAge(CACHE_CONTROL.scene));
    expect(behaviourFor("/scenes/x/playlist").ttl!.max).toBe(sMaxAge(CACHE_CONTROL.playlist));
  });

  it("behaviours share a cache policy exactly when their TTLs and query keys agree", () => {
    const cached = ORDERED_BEHAVIOURS.filter((b) => b.ttl !== null);
    for (const a of cached) {
      for (const b of cached) {
        const same =
          JSON.stringify([a.ttl, [...a.queryStrings].sort()]) === JSON.stringify([b.ttl, [...b.queryStrings].sort()]);
        expect([a.id, b.id, cachePolicyKey(a) === cachePolicyKey(b)]).toEqual([a.id, b.id, same]);
      }
    }
    expect(cachePolicyKey(DEFAULT_BEHAVIOUR)).toBeNull();
  });

  it("mvp serves from the cheapest edges, v2 from all of them", () => {
    expect(PRICE_CLASS).toEqual({ mvp: "PriceClass_100", v1: "PriceClass_200", v2: "PriceClass_All" });
  });
});

describe("custom domain config", () => {
  const good = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";

  it("neither key set means no custom domain; both set and valid is accepted", () => {
    expect(customDomainProblems("", "")).toEqual([]);
    expect(customDomainProblems("app.storyforge.example", good)).toEqual([]);
  });

  it("a certificate outside us-east-1 is refused, naming the key, the region and the rule", () => {
    const arn = good.replace("us-east-1", "eu-west-1");
    expect(customDomainProblems("app.storyforge.example", arn)).toEqual([
      `storyforge:certificateArn must be in us-east-1 (CloudFront reads certificates only from there), got region eu-west-1 in "${arn}"`,
    ]);
  });

  it("an ARN that is not an ACM certificate is refused, naming the key", () => {
    const arn = "arn:aws:iam::123456789012:server-certificate/storyforge";
    expect(customDomainProblems("app.storyforge.example", arn)).toEqual([
      expect.stringMatching(/^storyforge:certificateArn must be an ACM certificate ARN .*got "arn:aws:iam::/),
    ]);
  });

  it("a domain without a certificate, or a certificate without a domain, is refused", () => {
    expect(customDomainProblems("app.storyforge.example", "")).toEqual([
      expect.stringMatching(/^storyforge:certificateArn is required when storyforge:domainName is set/),
    ]);
    expect(customDomainProblems("", good)).toEqual([
      "storyforge:domainName is required when storyforge:certificateArn is set",
    ]);
  });

  it("the stack loader reports a bad certificate with the stack file", () => {
    try {
      resolveStackConfig({
        stack: "v1",
        stackFile: "Pulumi.v1.yaml",
        values: {
          "aws:region": "us-east-1",
          "storyforge:tier": "v1",
          "storyforge:domainName": "app.storyforge.example",
          "storyforge:certificateArn": good.replace("us-east-1", "us-west-2"),
        },
      });
      throw new Error("expected a ConfigError");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        expect.stringMatching(
          /^Pulumi\.v1\.yaml: storyforge:certificateArn must be in us-east-1.*got region us-west-2/,
        ),
      ]);
    }
  });

  it("the loader surfaces a valid custom domain to the components", () => {
    const config = resolveStackConfig({
      stack: "v1",
      stackFile: "Pulumi.v1.yaml",
      values: {
        "aws:region": "us-east-1",
        "storyforge:tier": "v1",
        "storyforge:domainName": "app.storyforge.example",
        "storyforge:certificateArn": good,
      },
    });
    expect(config.customDomain).toEqual({ domainName: "app.storyforge.example", certificateArn: good });
  });
});

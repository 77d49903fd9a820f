/**
 * Waivers are narrow (issue 13 §2): one check of one resource, with a reason and an expiry date; an expired waiver
 * is not honoured and says so; a rule that is never waivable refuses any waiver; a malformed waiver is a finding.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { evaluatePolicies, stackPolicyConfig, stackValidationArgs, policyResources } from "../../policies/evaluate";
import { ALL_RULES } from "../../policies/rules";
import * as cdn from "../../policies/rules/cdn";
import { resourceRule, waiverProblem, type Exemption } from "../../policies/rules/kit";
import { stackBudgetWithinCeiling } from "../../policies/rules/stack";
import { TIERS } from "../../stacks/tiers";
import { distribution, T } from "./fixtures";
import { mutate, violations } from "./support";

const waiver = (check: string, expires = "2099-12-31", resource = "cdn"): Exemption => ({
  resource,
  check,
  reason: "no custom domain yet; tracked in issue 13",
  expires,
});
const defaultCert = mutate(distribution, (p: any) => (p.viewerCertificate = { cloudfrontDefaultCertificate: true }));
const weakPolicy = mutate(distribution, (p) => (p.viewerCertificate.minimumProtocolVersion = "TLSv1_2016"));
const run = (rule = cdn.cloudfrontTls12, props = defaultCert, exempt: unknown[] = []) =>
  violations(rule, T.distribution, props, { name: "cdn", config: { exempt: exempt as Exemption[] } });

describe("a waiver covers one check of one resource", () => {
  it("a waiver of the default certificate silences exactly that finding", () => {
    expect(run()).toHaveLength(1);
    expect(run(cdn.cloudfrontTls12, defaultCert, [waiver("default-certificate")])).toEqual([]);
  });
  it("it does not cover a weak protocol version on a custom certificate (another check of the same rule)", () => {
    expect(run(cdn.cloudfrontTls12, weakPolicy, [waiver("default-certificate")])).toEqual([
      expect.stringMatching(/viewer TLS policy is "TLSv1_2016"/),
    ]);
  });
  it("it does not cover another resource", () => {
    expect(run(cdn.cloudfrontTls12, defaultCert, [waiver("default-certificate", "2099-12-31", "other-cdn")])).toEqual([
      expect.stringMatching(/default certificate/),
    ]);
  });
  it("once expired it is not honoured, and the finding says when it expired", () => {
    expect(run(cdn.cloudfrontTls12, defaultCert, [waiver("default-certificate", "2020-01-31")])).toEqual([
      expect.stringMatching(
        /TLSv1 \(default certificate\).*\[the waiver of check "default-certificate" expired on 2020-01-31 and is not honoured/,
      ),
    ]);
  });
  it.each([
    ["no check", { resource: "cdn", reason: "because", expires: "2099-12-31" }, /missing check/],
    ["no expiry", { resource: "cdn", check: "default-certificate", reason: "because" }, /missing expires/],
    ["no reason", { resource: "cdn", check: "default-certificate", expires: "2099-12-31" }, /missing reason/],
    [
      "a check the rule does not have",
      { ...waiver("viewer-protocol") },
      /has no check "viewer-protocol" \(its checks: default-certificate, protocol-version\)/,
    ],
    ["an expiry that is not a date", { ...waiver("default-certificate", "next spring") }, /"expires" must be a date/],
  ])("a waiver with %s is a finding and is not honoured", (_label, entry, expected) => {
    const found = run(cdn.cloudfrontTls12, defaultCert, [entry]);
    expect(found).toContainEqual(expect.stringMatching(expected));
    expect(found).toContainEqual(expect.stringMatching(/default certificate/));
  });
});

describe("cloudfront-viewer-https is never waivable", () => {
  const http = mutate(distribution, (p) => (p.defaultCacheBehavior.viewerProtocolPolicy = "allow-all"));
  it("a waiver naming it is refused as a finding and does not silence plain HTTP", () => {
    const found = run(cdn.cloudfrontViewerHttps, http, [waiver("cloudfront-viewer-https")]);
    expect(found).toEqual([
      expect.stringMatching(/policy config: .*policy cloudfront-viewer-https cannot be waived/),
      expect.stringMatching(/default cache behaviour allows HTTP/),
    ]);
  });
  it("the TLS-floor waiver the stacks carry leaves it in force", () => {
    const plan = {
      stack: "v1",
      resources: [
        {
          type: T.distribution,
          name: "cdn",
          inputs: mutate(http, (p: any) => (p.viewerCertificate = { cloudfrontDefaultCertificate: true })),
        },
      ],
    };
    const config = { "cloudfront-tls12-minimum": { exempt: [waiver("default-certificate")] } };
    const found = evaluatePolicies(plan, "v1", { config }).filter((f) =>
      ["cloudfront-viewer-https", "cloudfront-tls12-minimum"].includes(f.policy),
    );
    // The TLS floor is waived for the default certificate; plain HTTP is still a mandatory finding.
    expect(found.map((f) => [f.policy, f.enforcement])).toEqual([["cloudfront-viewer-https", "mandatory"]]);
  });
});

describe("a check that throws", () => {
  const definition = { name: "throws", description: "test", level: "M", sources: [], types: [T.distribution] } as const;
  const throwing = resourceRule({
    ...definition,
    check: () => {
      throw new Error("no capacity data for m6g.xlarge");
    },
  });
  it("is a finding at the rule's level naming the rule and the error, never a crashed pack", () => {
    expect(violations(throwing, T.distribution, distribution)).toEqual([
      'cloudfront.Distribution "subject": throws could not evaluate this: no capacity data for m6g.xlarge',
    ]);
  });
  it("except an unknown value during a preview, which the SDK downgrades itself", () => {
    class UnknownValueError extends Error {}
    const unknown = resourceRule({
      ...definition,
      check: () => {
        throw new UnknownValueError("value at .policy can't be known during preview");
      },
    });
    expect(() => violations(unknown, T.distribution, distribution)).toThrow(UnknownValueError);
  });
});

describe("a stack budget above its tier's ceiling", () => {
  const ceiling = TIERS.v1.budget.monthlyCeilingUsd;
  const check = (budget: unknown, exempt: Exemption[] = []) => {
    const found: string[] = [];
    const result = stackBudgetWithinCeiling.validateStack(
      stackValidationArgs(policyResources("v1", []), {
        tier: "v1",
        exempt,
        stackConfig: { "storyforge:monthlyBudgetUsd": budget },
      }),
      (m) => found.push(m),
    );
    if (result instanceof Promise) throw new Error("synchronous");
    return found;
  };
  const budgetWaiver = (expires: string): Exemption => ({
    resource: "stack",
    check: "stack-budget-within-tier-ceiling",
    reason: "launch month: CDN egress doubles until the cache warms",
    expires,
  });
  it("passes at or below the ceiling, and when the stack sets no budget", () => {
    expect(check(String(ceiling))).toEqual([]);
    expect(check(undefined)).toEqual([]);
  });
  it("fails above it, naming the key, the figures and how to waive it", () => {
    expect(check("40000")).toEqual([
      expect.stringMatching(
        new RegExp(`storyforge:monthlyBudgetUsd 40000 is above tier v1's ceiling ${ceiling}; lower it, or waive`),
      ),
    ]);
  });
  it("a dated waiver of resource stack allows it; an expired one does not", () => {
    expect(check("40000", [budgetWaiver("2099-12-31")])).toEqual([]);
    expect(check("40000", [budgetWaiver("2021-06-30")])).toEqual([expect.stringMatching(/expired on 2021-06-30/)]);
  });
  it("fails a budget that is not a number", () => {
    expect(check("lots")).toEqual([expect.stringMatching(/"lots" is not a number/)]);
  });
});

describe("the stacks' policy config files (policies/config.<stack>.json)", () => {
  const dir = join(__dirname, "..", "..", "policies");
  const stacks = readdirSync(dir)
    .map((f) => /^config\.(.+)\.json$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined);
  it.each(stacks)("config.%s.json: every waiver names one check of one resource, a reason and an expiry", (stack) => {
    for (const [policy, config] of Object.entries(stackPolicyConfig(stack, dir))) {
      const rule = ALL_RULES.find((r) => r.name === policy);
      expect(rule?.name).toBe(policy);
      for (const entry of config.exempt ?? []) expect(waiverProblem(rule!, entry)).toBeUndefined();
    }
  });
});

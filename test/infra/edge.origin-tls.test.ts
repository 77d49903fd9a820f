/**
 * The API origin with a regional certificate (`storyforge:originCertificateArn` + `originDomainName`): CloudFront's
 * VPC origin then speaks HTTPS, TLS 1.2 only, to an HTTPS listener on the internal ALB, and names the origin by the
 * certificate's name. One plan (the Pulumi runtime is global), plus the config rules the keys follow.
 */
import { planStack, type Plan } from "../../tools/plan/harness";
import { resolveStackConfig } from "../../stacks/config";
import { ORIGIN_TLS_POLICY } from "../../infra/components/load-balancer";
import { PLAN_TIMEOUT_MS } from "../support/plan";

type Inputs = Record<string, any>;
const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";
const ORIGIN = "origin.app.storyforge.example";
const load = (values: Record<string, unknown>) =>
  resolveStackConfig({
    stack: "v2",
    stackFile: "Pulumi.v2.yaml",
    values: { "aws:region": "us-east-1", "storyforge:tier": "v2", ...values },
  });

describe("the API origin with a regional certificate", () => {
  let plan: Plan;
  const one = (name: string): Inputs => plan.resources.find((r) => r.name === name)!.inputs;
  beforeAll(async () => {
    plan = await planStack("v2", {
      config: { "storyforge:originCertificateArn": CERT, "storyforge:originDomainName": ORIGIN },
    });
  }, PLAN_TIMEOUT_MS);

  it("CloudFront reaches the internal ALB over HTTPS only, TLS 1.2, asking for the certificate's name", () => {
    const config = one("load-balancer-vpc-origin").vpcOriginEndpointConfig;
    expect(config).toMatchObject({ originProtocolPolicy: "https-only", httpsPort: 443 });
    expect(config.originSslProtocols).toEqual({ items: ["TLSv1.2"], quantity: 1 });
    const dist = plan.resources.find((r) => r.type === "aws:cloudfront/distribution:Distribution")!.inputs as Inputs;
    expect(dist.origins.find((o: Inputs) => o.originId === "api").domainName).toBe(ORIGIN);
  });

  it("the listener is HTTPS on 443 with the certificate and a TLS 1.3/1.2 policy, and the ALB admits CloudFront on 443 only", () => {
    expect(one("load-balancer-listener")).toMatchObject({
      port: 443,
      protocol: "HTTPS",
      certificateArn: CERT,
      sslPolicy: ORIGIN_TLS_POLICY,
    });
    expect(one("load-balancer-from-cloudfront")).toMatchObject({ fromPort: 443, toPort: 443 });
    expect(plan.resources.filter((r) => r.type === "aws:lb/listener:Listener")).toHaveLength(1);
  });
});

describe("storyforge:originCertificateArn and originDomainName", () => {
  it("come together or not at all", () => {
    expect(() => load({ "storyforge:originCertificateArn": CERT })).toThrow(
      /storyforge:originDomainName is required when storyforge:originCertificateArn is set/,
    );
    expect(() => load({ "storyforge:originDomainName": ORIGIN })).toThrow(
      /storyforge:originCertificateArn is required when storyforge:originDomainName is set/,
    );
    expect(load({}).originCertificate).toBeNull();
  });

  it("the certificate must be an ACM certificate in the stack's own region (a load balancer uses its region's)", () => {
    expect(() =>
      load({
        "storyforge:originCertificateArn": CERT.replace("us-east-1", "eu-west-1"),
        "storyforge:originDomainName": ORIGIN,
      }),
    ).toThrow(/storyforge:originCertificateArn must be in the stack's region us-east-1 .*got region eu-west-1/);
    expect(() =>
      load({
        "storyforge:originCertificateArn": "arn:aws:iam::123456789012:server-certificate/x",
        "storyforge:originDomainName": ORIGIN,
      }),
    ).toThrow(/storyforge:originCertificateArn must be an ACM certificate ARN/);
  });

  it("the name must be one DNS name, not a wildcard", () => {
    expect(() =>
      load({ "storyforge:originCertificateArn": CERT, "storyforge:originDomainName": "*.app.storyforge.example" }),
    ).toThrow(/storyforge:originDomainName must be a lower-case DNS name/);
  });
});

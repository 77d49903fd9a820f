import { type Plan } from "../../tools/plan/harness";
import { CDN, planCdn } from "./cdn.support";
import { PLAN_TIMEOUT_MS } from "../support/plan";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";

describe("v1 with a custom domain", () => {
  let dist: Record<string, any>;

  beforeAll(async () => {
    const plan: Plan = await planCdn("v1", {
      "storyforge:domainName": "app.storyforge.example",
      "storyforge:certificateArn": CERT,
    });
    dist = plan.resources.find((r) => r.type === CDN.distribution)!.inputs as Record<string, any>;
  }, PLAN_TIMEOUT_MS);

  it("serves the domain as an alias with its ACM certificate over SNI", () => {
    expect(dist.aliases).toEqual(["app.storyforge.example"]);
    expect(dist.viewerCertificate).toMatchObject({ acmCertificateArn: CERT, sslSupportMethod: "sni-only" });
    expect(dist.viewerCertificate.cloudfrontDefaultCertificate).toBeUndefined();
  });

  it("raises the viewer TLS floor to TLS 1.2 (TLSv1.2_2021)", () => {
    expect(dist.viewerCertificate.minimumProtocolVersion).toBe("TLSv1.2_2021");
  });
});

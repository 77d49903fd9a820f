import { irsaTrustPolicy, serviceAccountList } from "../../infra/components/irsa";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC";
const ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/ABC";

type Trust = {
  Statement: Array<{ Principal: unknown; Action: string; Condition: { StringEquals: Record<string, unknown> } }>;
};
const trust = (accounts: string | string[]) => irsaTrustPolicy(PROVIDER, ISSUER, "storyforge", accounts) as Trust;

describe("IRSA trust policies", () => {
  test("one service account is trusted by an exact subject string, only for STS tokens", () => {
    expect(trust("api").Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${ISSUER}:sub`]: "system:serviceaccount:storyforge:api",
            [`${ISSUER}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ]);
  });

  test("a one-element list reads like a single service account", () => {
    expect(trust(["api"])).toEqual(trust("api"));
  });

  test("several service accounts are one StringEquals on a list of exact subjects (any of them), never a wildcard", () => {
    const [statement, ...more] = trust(["api", "worker"]).Statement;
    expect(more).toEqual([]);
    expect(statement.Condition).toEqual({
      StringEquals: {
        [`${ISSUER}:sub`]: ["system:serviceaccount:storyforge:api", "system:serviceaccount:storyforge:worker"],
        [`${ISSUER}:aud`]: "sts.amazonaws.com",
      },
    });
    expect(JSON.stringify(statement)).not.toMatch(/StringLike|\*/);
  });

  test("the service account list must be non-empty, without duplicates or names Kubernetes would refuse", () => {
    expect(() => serviceAccountList("storyforge", [])).toThrow(/at least one service account, got \[\]/);
    expect(() => serviceAccountList("storyforge", ["api", "api"])).toThrow(/names "api" twice/);
    expect(() => serviceAccountList("storyforge", ["api", "*"])).toThrow(
      /"\*" is not a Kubernetes service account name/,
    );
    expect(serviceAccountList("storyforge", ["api", "worker"])).toEqual(["api", "worker"]);
  });
});

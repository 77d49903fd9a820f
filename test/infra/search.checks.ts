/**
 * How the app reaches OpenSearch under fine-grained access control, checked on one tier's offline plan: the API and
 * the worker share one IRSA role, mapped by the deploy to an index-scoped OpenSearch role; the domain's master user
 * is a separate admin role no pod can assume (data-tier.checks.ts checks the mapping itself).
 * The v1 and v2 foundation tests call `searchAccessSuite` (one plan per file: the Pulumi runtime is global).
 */
import { type Plan } from "../../tools/plan/harness";
import { RESOURCE_STATE } from "../../tools/plan/mocks";
import { type Inputs, inputs, ofType, one, T } from "../support/plan";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";
const OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider";
const ENV = { region: "us-east-1" };

export function searchAccessSuite(stack: "v1" | "v2", plan: () => Plan): void {
  const domain = () => inputs(one(plan(), T.search));
  const roleArn = (name: string) => {
    const role = one(plan(), ROLE, name);
    return RESOURCE_STATE[ROLE](inputs(role), role.name, ENV).arn as string;
  };
  /** Roles whose trust policy names a service account of namespace `storyforge`. */
  const storyforgeRoles = () =>
    ofType(plan(), ROLE).filter((r) =>
      String(inputs(r).assumeRolePolicy).includes("system:serviceaccount:storyforge:"),
    );
  const account = (name: string): Inputs => {
    const found = ofType(plan(), SERVICE_ACCOUNT)
      .map(inputs)
      .filter((sa) => sa.metadata.namespace === "storyforge" && sa.metadata.name === name);
    if (found.length !== 1) throw new Error(`expected one service account storyforge/${name}, found ${found.length}`);
    return found[0];
  };

  describe(`${stack}: OpenSearch access (fine-grained access control with an IAM master user)`, () => {
    test("OpenSearch's master user is the admin IAM role, not the app's, with no internal user database and no master password", () => {
      expect(domain().advancedSecurityOptions).toEqual({
        enabled: true,
        internalUserDatabaseEnabled: false,
        masterUserOptions: { masterUserArn: roleArn("search-admin-role") },
      });
      expect(roleArn("search-admin-role")).not.toBe(roleArn("search-client-role"));
      expect(plan().outputs.opensearch).toMatchObject({
        clientRoleArn: roleArn("search-client-role"),
        adminRoleArn: roleArn("search-admin-role"),
      });
      expect(plan().outputs.opensearch).not.toHaveProperty("secretArn");
      const searchChildren = plan()
        .resources.filter((r) => r.parent === "search")
        .map((r) => r.type);
      expect(searchChildren).not.toContain("random:index/randomPassword:RandomPassword");
      expect(searchChildren).not.toContain("aws:secretsmanager/secret:Secret");
    });

    test("the search client role trusts exactly storyforge:api and storyforge:worker, through the cluster's OIDC provider, for STS", () => {
      const roles = storyforgeRoles();
      expect(roles.map((r) => r.name)).toEqual(["search-client-role"]);
      const oidc = one(plan(), OIDC);
      const oidcArn = RESOURCE_STATE[OIDC](inputs(oidc), oidc.name, ENV).arn;
      const issuer = String(inputs(oidc).url).replace(/^https:\/\//, "");
      expect(JSON.parse(inputs(roles[0]).assumeRolePolicy)).toEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: oidcArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: {
                [`${issuer}:sub`]: ["system:serviceaccount:storyforge:api", "system:serviceaccount:storyforge:worker"],
                [`${issuer}:aud`]: "sts.amazonaws.com",
              },
            },
          },
        ],
      });
    });

    test("only the client and admin roles may send requests to the domain at all", () => {
      const policy = JSON.parse(inputs(one(plan(), "aws:opensearch/domainPolicy:DomainPolicy")).accessPolicies);
      expect(policy.Statement.map((st: Inputs) => st.Principal)).toEqual([
        { AWS: [roleArn("search-client-role"), roleArn("search-admin-role")] },
      ]);
    });

    test("the search client role may send only HTTP requests, only to this domain", () => {
      const policies = ofType(plan(), ROLE_POLICY)
        .map(inputs)
        .filter((p) => p.role === "search-client-role-id");
      expect(policies).toHaveLength(1);
      const domainArn = RESOURCE_STATE[T.search](domain(), "search-domain", ENV).arn;
      expect(JSON.parse(policies[0].policy).Statement).toEqual([
        {
          Effect: "Allow",
          Action: ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"],
          Resource: `${domainArn}/*`,
        },
      ]);
    });

    test("the api and worker service accounts carry the search client role; the migrations' carries none", () => {
      const arn = roleArn("search-client-role");
      expect(account("api").metadata.annotations).toEqual({ "eks.amazonaws.com/role-arn": arn });
      expect(account("worker").metadata.annotations).toEqual({ "eks.amazonaws.com/role-arn": arn });
      expect(account("migrations").metadata.annotations).toBeUndefined();
    });
  });
}

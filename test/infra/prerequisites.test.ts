/**
 * The OpenSearch service-linked role is the account's, not a stack's (npm run bootstrap creates it): the program only
 * looks it up, and without it a deploy stops at its preview, before anything is created, saying what to run.
 */
import { failureOf, planStack } from "../../tools/plan/harness";
import { PLAN_TIMEOUT_MS, runTierWithAnswers } from "../support/plan";

test(
  "without the OpenSearch service-linked role the v1 preview fails naming the role and npm run bootstrap",
  async () => {
    // `pulumi up` runs the program as a preview first: the look-up answers there, before any create.
    const run = await runTierWithAnswers(
      "v1",
      (token) => (token === "aws:iam/getRoles:getRoles" ? { id: "none", names: [], arns: [] } : undefined),
      { mode: "preview" },
    );
    expect(run.exitCode).not.toBe(0);
    expect(failureOf(run)).toMatch(
      /the AWS account has no AWSServiceRoleForAmazonOpenSearchService, which OpenSearch VPC domains need: create it once per account with `npm run bootstrap`/,
    );
    expect(run.registrations.filter((r) => r.type === "aws:opensearch/domain:Domain")).toEqual([]);
  },
  PLAN_TIMEOUT_MS,
);

test(
  "no stack owns an account-wide role: the plan declares no service-linked role",
  async () => {
    const plan = await planStack("v1");
    expect(plan.resources.filter((r) => r.type === "aws:iam/serviceLinkedRole:ServiceLinkedRole")).toEqual([]);
  },
  PLAN_TIMEOUT_MS,
);

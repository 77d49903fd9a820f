/**
 * Operators' access: the public API endpoint opens only to the configured CIDRs, and an optional admin role gets
 * cluster-admin through an access entry.
 */
import { planFor, T } from "./cluster.checks";

const ADMIN = "arn:aws:iam::123456789012:role/platform-admin";
const view = planFor("v1", {
  "storyforge:deployerAccess": "public-cidrs",
  "storyforge:clusterPublicAccessCidrs": ["203.0.113.0/24"],
  "storyforge:clusterAdminRoleArn": ADMIN,
});

test("with CIDRs configured the API endpoint is public to exactly those CIDRs and stays reachable privately", () => {
  const vpc = view().eks.inputs.vpcConfig;
  expect(vpc.endpointPublicAccess).toBe(true);
  expect(vpc.publicAccessCidrs).toEqual(["203.0.113.0/24"]);
  expect(vpc.endpointPrivateAccess).toBe(true);
  // The deployer comes in through the public endpoint: no in-VPC rule on the cluster's security group.
  expect(view().plan.resources.filter((r) => r.name === "cluster-deployer-api")).toEqual([]);
});

test("the configured admin role gets cluster-admin over the whole cluster through an access entry", () => {
  const [entry, ...moreEntries] = view().ofType(T.accessEntry);
  expect(moreEntries).toEqual([]);
  expect(entry?.inputs).toMatchObject({ principalArn: ADMIN, type: "STANDARD" });
  const [association] = view().ofType(T.accessPolicy);
  expect(association?.inputs).toMatchObject({
    principalArn: ADMIN,
    policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
    accessScope: { type: "cluster" },
  });
});

import { readFileSync } from "node:fs";
import { requiredTags, TAGGABLE_TYPES } from "../../policies/rules/tags";
import { OUTPUT, taggableTypes } from "../../tools/gen/taggable-types";
import { rdsPrimary, T } from "./fixtures";
import { describeResourceRule, violations } from "./support";

describeResourceRule(requiredTags, T.rds, rdsPrimary, [
  ["the owner tag is missing", (p) => delete p.tags.owner, /missing tag\(s\) owner/],
  ["the tier tag is empty", (p) => (p.tags.tier = ""), /missing tag\(s\) tier/],
  ["there are no tags at all", (p) => delete p.tags, /missing tag\(s\) project, stack, tier, owner/],
]);

it("aws-required-tags leaves resources AWS cannot tag alone (route table associations, Kubernetes objects)", () => {
  expect(
    violations(requiredTags, "aws:ec2/routeTableAssociation:RouteTableAssociation", {
      subnetId: "s",
      routeTableId: "r",
    }),
  ).toEqual([]);
  expect(violations(requiredTags, T.deployment, { metadata: { name: "api" } })).toEqual([]);
});

it("the committed taggable-types.json matches the installed @pulumi/aws (re-run tools/gen/taggable-types.ts)", () => {
  const committed = JSON.parse(readFileSync(OUTPUT, "utf8")) as string[];
  expect(committed).toEqual(taggableTypes());
  expect(TAGGABLE_TYPES).toEqual(
    expect.arrayContaining([T.rds, T.subnet, T.bucketV2, T.nodeGroup, T.ingressRule, T.distribution]),
  );
});

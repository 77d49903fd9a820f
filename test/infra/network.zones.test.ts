/**
 * Changing the zone count must not move the zones that stay: a subnet's `cidrBlock` and zone force its replacement
 * (terraform-provider-aws aws_subnet), and a replacement is created before the old subnet goes, so a moved block
 * collides with a subnet still holding it (InvalidSubnet.Conflict) and takes the data tier's subnet groups along.
 * Two plans of mvp, three zones (here) and two (in a child process), compared subnet by subnet.
 */
import { type Plan, planStack } from "../../tools/plan/harness";
import { inputs, ofType, PLAN_TIMEOUT_MS, T } from "../support/plan";
import { planInChild } from "../support/plan-child";

let three: Plan;
let two: Plan;
beforeAll(async () => {
  three = await planStack("mvp");
  two = planInChild("mvp", { "storyforge:azCount": 2 });
}, 2 * PLAN_TIMEOUT_MS);

const subnets = (plan: Plan) =>
  new Map(
    ofType(plan, T.subnet).map((s) => [s.name, { cidr: inputs(s).cidrBlock, zone: inputs(s).availabilityZoneId }]),
  );

test("a zone's subnets keep their CIDR blocks and zone when azCount goes from 3 to 2 (cidr_block is ForceNew)", () => {
  const before = subnets(three);
  const after = subnets(two);
  expect(after.size).toBe(6);
  expect(before.size).toBe(9);
  for (const [name, subnet] of after) expect([name, subnet]).toEqual([name, before.get(name)]);
});

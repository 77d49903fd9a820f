/**
 * `storyforge:flowLogDestination: s3` sends VPC flow logs to a bucket of the stack instead of CloudWatch: the plan
 * of mvp with it set (in a child process), checked for what a real `pulumi up` needs (EC2 CreateFlowLogs takes no
 * role for S3; the VPC Flow Logs guide's bucket policy with aws:SourceAccount and aws:SourceArn) and for its price.
 */
import type { Plan } from "../../tools/plan/harness";
import type { CostEstimate } from "../../infra/lib/cost/types";
import { inputs, ofType, one, PLAN_TIMEOUT_MS } from "../support/plan";
import { planInChild } from "../support/plan-child";
import { evaluatePolicies, stackPolicyConfig } from "../../policies/evaluate";

let plan: Plan;
beforeAll(() => {
  plan = planInChild("mvp", { "storyforge:flowLogDestination": "s3" });
}, PLAN_TIMEOUT_MS);

const FLOW_LOG = "aws:ec2/flowLog:FlowLog";
const bucketOf = (p: Plan) => one(p, "aws:s3/bucket:Bucket", "network-flow-logs-bucket");
const attached = (p: Plan, type: string) =>
  ofType(p, type).filter((r) => inputs(r).bucket === inputs(bucketOf(p)).bucket);

test("with flowLogDestination s3 the flow log writes to the stack's own bucket, without a role or a log group", () => {
  const flow = one(plan, FLOW_LOG);
  const bucket = inputs(bucketOf(plan)).bucket as string;
  expect(inputs(flow)).toMatchObject({
    logDestinationType: "s3",
    logDestination: `arn:aws:s3:::${bucket}`,
    trafficType: "ALL",
  });
  expect(inputs(flow).iamRoleArn).toBeUndefined();
  // Bucket names are global: the account id and region make the stack's name unique.
  expect(bucket).toBe("storyforge-mvp-flow-logs-123456789012-us-east-1");
  expect(ofType(plan, "aws:cloudwatch/logGroup:LogGroup").map((g) => inputs(g).name)).not.toContain(
    "/storyforge/mvp/vpc-flow-logs",
  );
  expect(ofType(plan, "aws:iam/role:Role").map((r) => r.name)).not.toContain("network-flow-logs-role");
  expect(flow.options.dependsOn).toContain("network-flow-logs-policy");
});

test("the flow-log bucket expires objects after 30 days, blocks public access and encrypts", () => {
  const [lifecycle] = attached(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
  expect(inputs(lifecycle).rules[0]).toMatchObject({ status: "Enabled", expiration: { days: 30 } });
  const [block] = attached(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
  expect(inputs(block)).toMatchObject({
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  expect(
    attached(plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
  ).toHaveLength(1);
});

test("the bucket policy lets log delivery write only for this account's deliveries in this region (aws:SourceAccount, aws:SourceArn)", () => {
  const [policy] = attached(plan, "aws:s3/bucketPolicy:BucketPolicy");
  const doc = JSON.parse(inputs(policy).policy as string) as { Statement: Array<Record<string, any>> };
  const bucketArn = `arn:aws:s3:::${inputs(bucketOf(plan)).bucket as string}`;
  const sid = (s: string) => doc.Statement.find((x) => x.Sid === s)!;
  expect(sid("AWSLogDeliveryWrite")).toEqual({
    Sid: "AWSLogDeliveryWrite",
    Effect: "Allow",
    Principal: { Service: "delivery.logs.amazonaws.com" },
    Action: "s3:PutObject",
    Resource: `${bucketArn}/AWSLogs/123456789012/*`,
    Condition: {
      StringEquals: { "aws:SourceAccount": "123456789012", "s3:x-amz-acl": "bucket-owner-full-control" },
      ArnLike: { "aws:SourceArn": "arn:aws:logs:us-east-1:123456789012:*" },
    },
  });
  expect(sid("AWSLogDeliveryAclCheck")).toMatchObject({
    Action: "s3:GetBucketAcl",
    Resource: bucketArn,
    Condition: {
      StringEquals: { "aws:SourceAccount": "123456789012" },
      ArnLike: { "aws:SourceArn": "arn:aws:logs:us-east-1:123456789012:*" },
    },
  });
  expect(sid("TlsOnly")).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
});

test("the cost prices flow logs on the flow log at the vended-logs S3 delivery rate and S3 storage for 30 days", () => {
  const cost = plan.outputs.cost as CostEstimate;
  const lines = cost.lineItems.filter((l) => l.item === "log-ingest/flowLogs" || l.item === "log-storage/flowLogs");
  expect(lines.map((l) => [l.resource, l.sku])).toEqual([
    ["network-flow-log", "logs/vended-s3-delivery"],
    ["network-flow-log", "s3/standard-first-50tb"],
  ]);
  expect(lines[1].attributes).toMatchObject({ retentionDays: 30 });
  expect(cost.unpricedLines).toBe(0);
});

test("the flow-log bucket and its settings pass every policy of the pack at mvp", () => {
  const findings = evaluatePolicies(plan, "mvp", { config: stackPolicyConfig("mvp") }).filter((f) =>
    (f.resource ?? "").includes("flow-log"),
  );
  expect(findings.map((f) => `[${f.enforcement}] ${f.policy}: ${f.message}`)).toEqual([]);
});

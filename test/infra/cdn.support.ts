/**
 * Plans the CDN for a stack. Until the workloads engineer's LoadBalancer lands in infra/index.ts, the Cdn
 * component runs on its own under the same strict mocks and inventory as `planStack`, fed by a stand-in API
 * origin whose secret comes from @pulumi/random as the real one will. Once index.ts wires `new Cdn(...)`,
 * `planCdn` becomes `planStack(stack, { config })` and the tests do not change.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Plan, readStackFile, PlanError } from "../../infra/plan/harness";
import { StrictMocks } from "../../infra/plan/mocks";
import { inventory, resolveMasked, PlannedResource } from "../../infra/lib/inventory";
import { PROJECT, loadStackConfig } from "../../stacks/config";
import { createContext } from "../../infra/lib/context";
import { Cdn } from "../../infra/components/cdn";

export const STAND_IN_ALB = "internal-storyforge-api-mock.us-east-1.elb.amazonaws.com";

export async function planCdn(stack: string, config: Record<string, unknown> = {}): Promise<Plan> {
  const { values } = readStackFile(stack);
  const merged = { ...values, ...config };
  const region = typeof merged["aws:region"] === "string" ? (merged["aws:region"] as string) : "us-east-1";
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])));
  const mocks = new StrictMocks({ region });
  pulumi.runtime.setMocks(mocks, PROJECT, stack, false);

  let exported: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    inventory.start();
    const context = createContext(loadStackConfig());
    const secret = new random.RandomPassword("origin-verify", { length: 48, special: false });
    const cdn = new Cdn("cdn", {
      context,
      loadBalancer: { originDomainName: STAND_IN_ALB, originSecret: secret.result, originProtocol: "https-only" },
    });
    exported = { cdn: { domainName: cdn.domainName, distributionId: cdn.distributionId, bucketName: cdn.bucketName } };
    return undefined;
  });
  const resources = await new Promise<PlannedResource[]>((resolve) => inventory.resources().apply(resolve));
  const outputs = (await resolveMasked(exported)) as Record<string, unknown>;
  if (mocks.errors.length > 0) throw new PlanError(mocks.errors.join("\n"));
  return { stack, resources, outputs };
}

export const CDN = {
  distribution: "aws:cloudfront/distribution:Distribution",
  cachePolicy: "aws:cloudfront/cachePolicy:CachePolicy",
  originRequestPolicy: "aws:cloudfront/originRequestPolicy:OriginRequestPolicy",
  oac: "aws:cloudfront/originAccessControl:OriginAccessControl",
  bucket: "aws:s3/bucket:Bucket",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  acl: "aws:s3/bucketAcl:BucketAcl",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
} as const;

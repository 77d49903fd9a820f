/**
 * Plans a stack for the CDN tests: the real program (`infra/index.ts`, where the Cdn takes the workloads
 * engineer's LoadBalancer as its API origin) under the offline harness's strict mocks.
 */
import { type Plan, planStack } from "../../tools/plan/harness";

export function planCdn(stack: string, config: Record<string, unknown> = {}): Promise<Plan> {
  return planStack(stack, { config });
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
  randomPassword: "random:index/randomPassword:RandomPassword",
} as const;

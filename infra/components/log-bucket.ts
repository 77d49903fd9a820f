import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The settings every log bucket of the stack carries: public access blocked, SSE-S3 (AWS's log deliveries cannot
 * write with a customer key unless it grants them), versioning, and expiry after `days`, old versions after
 * `noncurrentDays`. Named `<prefix>-block`, `-sse`, `-versioning` and `-expiry`, children of `parent`.
 */
export function logBucketSettings(
  prefix: string,
  bucket: pulumi.Input<string>,
  opts: { days: number; noncurrentDays: number },
  parent: pulumi.Resource,
): { block: aws.s3.BucketPublicAccessBlock; versioning: aws.s3.BucketVersioning } {
  const options = { parent };
  const block = new aws.s3.BucketPublicAccessBlock(
    `${prefix}-block`,
    { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    options,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${prefix}-sse`,
    { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    options,
  );
  const versioning = new aws.s3.BucketVersioning(
    `${prefix}-versioning`,
    { bucket, versioningConfiguration: { status: "Enabled" } },
    options,
  );
  new aws.s3.BucketLifecycleConfiguration(
    `${prefix}-expiry`,
    {
      bucket,
      rules: [
        {
          id: "expire",
          status: "Enabled",
          filter: {},
          expiration: { days: opts.days },
          noncurrentVersionExpiration: { noncurrentDays: opts.noncurrentDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ],
    },
    { ...options, dependsOn: [versioning] },
  );
  return { block, versioning };
}

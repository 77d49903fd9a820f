/**
 * Cloud-side names. Every physical name comes from here: it carries project and stack, so two stacks never
 * collide, and it respects the service's length limit by truncating and appending a stable hash of the full name.
 */
import { createHash } from "node:crypto";

/** AWS limits we name against (the shortest wins where a name is reused). */
export const NAME_LIMITS = {
  /** RDS DB instance identifier. */
  rds: 63,
  /** ElastiCache replication group id. */
  elasticache: 40,
  /** OpenSearch domain name. */
  opensearch: 28,
  /** EKS cluster, IAM role. */
  iamRole: 64,
  eks: 100,
  /** S3 bucket names. */
  s3: 63,
  /** ALB and target group names. */
  loadBalancer: 32,
  /** Kubernetes object names (DNS-1123 label). */
  kubernetes: 63,
  default: 63,
} as const;

const HASH_LENGTH = 6;

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, HASH_LENGTH);
}

/** Lower-case letters, digits and single hyphens; starts with a letter; no trailing hyphen. */
export function sanitize(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "");
  return cleaned;
}

/**
 * `project-stack-part`, at most `maxLength` characters. A name that does not fit keeps its head and ends with
 * a hash of the whole, so it stays unique and stable across runs.
 */
export function physicalName(
  project: string,
  stack: string,
  part: string,
  maxLength: number = NAME_LIMITS.default,
): string {
  if (maxLength < HASH_LENGTH + 2) throw new Error(`maxLength must be at least ${HASH_LENGTH + 2}, got ${maxLength}`);
  const full = sanitize([project, stack, part].filter((p) => p !== "").join("-"));
  if (full === "") throw new Error(`cannot build a name from project "${project}", stack "${stack}", part "${part}"`);
  if (full.length <= maxLength) return full;
  const head = full.slice(0, maxLength - HASH_LENGTH - 1).replace(/-+$/, "");
  return `${head}-${shortHash(full)}`;
}

/** An AWS account id: twelve digits. */
const ACCOUNT_ID = /^\d{12}$/;

/**
 * An S3 bucket name, `project-stack-part-<account>-<region>`. Bucket names are global across every AWS account,
 * so a name built from project and stack alone may already belong to someone else (CreateBucket:
 * BucketAlreadyExists); the account and region make it ours. The head is shortened (with a hash) so that the
 * suffix always survives within S3's 63 characters.
 */
export function bucketName(project: string, stack: string, part: string, account: string, region: string): string {
  if (!ACCOUNT_ID.test(account)) throw new Error(`bucket name: account id must be 12 digits, got "${account}"`);
  const suffix = `-${account}-${sanitize(region)}`;
  return `${physicalName(project, stack, part, NAME_LIMITS.s3 - suffix.length)}${suffix}`;
}

/**
 * Validators of stack settings that are more than a type and a range: EKS access, the CDN's custom domain, image
 * pinning, and the rules that tie a tier's values together. Pure; each returns the problems it finds, naming the key.
 */
import type { TierSpec } from "../tiers";
import { type InstanceService, knownClasses } from "../instances";
import type { AlertingSettings, ClusterSettings } from "./load";
import { PROJECT } from "./keys";

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(\d|[12]\d|3[0-2])$/;
const IAM_ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** The EKS settings: public CIDRs narrower than /0 (never the whole internet), an IAM role ARN when set. */
export function clusterSettingsProblems(settings: ClusterSettings): string[] {
  const problems: string[] = [];
  for (const cidr of settings.publicAccessCidrs) {
    if (!IPV4_CIDR.test(cidr))
      problems.push(
        `${PROJECT}:clusterPublicAccessCidrs entry ${JSON.stringify(cidr)} is not an IPv4 CIDR like 203.0.113.0/24`,
      );
    else if (cidr.endsWith("/0"))
      problems.push(
        `${PROJECT}:clusterPublicAccessCidrs entry ${JSON.stringify(cidr)} opens the API endpoint to the whole internet`,
      );
  }
  const cidrsKey = `${PROJECT}:clusterPublicAccessCidrs`;
  if (settings.deployerAccess === "public-cidrs" && settings.publicAccessCidrs.length === 0) {
    problems.push(
      `${PROJECT}:deployerAccess is public-cidrs but ${cidrsKey} is empty: list the deployer's egress CIDRs (e.g. your address as a /32), or deploy with in-vpc`,
    );
  }
  if (settings.deployerAccess === "in-vpc" && settings.publicAccessCidrs.length > 0) {
    problems.push(
      `${PROJECT}:deployerAccess is in-vpc, so the API endpoint stays private: ${cidrsKey} must be empty, got ${JSON.stringify(settings.publicAccessCidrs)} (use public-cidrs to open it to them)`,
    );
  }
  if (settings.adminRoleArn !== null && !IAM_ROLE_ARN.test(settings.adminRoleArn)) {
    problems.push(
      `${PROJECT}:clusterAdminRoleArn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got ${JSON.stringify(settings.adminRoleArn)}`,
    );
  }
  if (settings.developerRoleArn !== null && !IAM_ROLE_ARN.test(settings.developerRoleArn)) {
    problems.push(
      `${PROJECT}:clusterDeveloperRoleArn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got ${JSON.stringify(settings.developerRoleArn)}`,
    );
  }
  if (settings.developerRoleArn !== null && settings.developerRoleArn === settings.adminRoleArn) {
    problems.push(
      `${PROJECT}:clusterDeveloperRoleArn must differ from ${PROJECT}:clusterAdminRoleArn (one access entry per role), got ${JSON.stringify(settings.developerRoleArn)} for both`,
    );
  }
  return problems;
}

/**
 * A deploy needs to know how it reaches the API of the cluster it creates: without storyforge:deployerAccess it would
 * build a VPC and a private-only cluster, then hang on its first Kubernetes object (issue 11).
 */
export function deployerAccessProblems(settings: ClusterSettings): string[] {
  if (settings.deployerAccess !== null) return [];
  return [
    `${PROJECT}:deployerAccess is required: how \`pulumi up\` reaches the API of the EKS cluster it creates. Set it to "public-cidrs" with ${PROJECT}:clusterPublicAccessCidrs listing your egress CIDRs (e.g. "$(curl -s https://checkip.amazonaws.com)/32"), or to "in-vpc" to deploy from inside the stack's VPC (README: Deploying for real)`,
  ];
}

/** An image reference pinned by `@sha256:<64 hex>` or by a tag other than `latest`. */
export function isPinnedImage(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const last = image.slice(image.lastIndexOf("/") + 1);
  const colon = last.lastIndexOf(":");
  return colon > 0 && colon < last.length - 1 && last.slice(colon + 1) !== "latest";
}

/** CloudFront reads viewer certificates from ACM in us-east-1 only, whatever the stack's region. */
export const CLOUDFRONT_CERTIFICATE_REGION = "us-east-1";
const ACM_ARN = /^arn:(aws|aws-cn|aws-us-gov):acm:([a-z0-9-]+):(\d{12}):certificate\/[A-Za-z0-9-]+$/;
const DOMAIN = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The CDN custom domain settings: both or neither, a DNS name, and an ACM certificate ARN in us-east-1. */
export function customDomainProblems(domainName: string, certificateArn: string): string[] {
  const key = (k: string) => `${PROJECT}:${k}`;
  if (domainName === "" && certificateArn === "") return [];
  const problems: string[] = [];
  if (domainName === "") problems.push(`${key("domainName")} is required when ${key("certificateArn")} is set`);
  else if (!DOMAIN.test(domainName))
    problems.push(
      `${key("domainName")} must be a lower-case DNS name like app.example.com, got ${JSON.stringify(domainName)}`,
    );
  if (certificateArn === "") {
    problems.push(
      `${key("certificateArn")} is required when ${key("domainName")} is set (an ACM certificate in ${CLOUDFRONT_CERTIFICATE_REGION})`,
    );
    return problems;
  }
  const m = ACM_ARN.exec(certificateArn);
  if (!m) {
    problems.push(
      `${key("certificateArn")} must be an ACM certificate ARN (arn:aws:acm:${CLOUDFRONT_CERTIFICATE_REGION}:<account>:certificate/<id>), got ${JSON.stringify(certificateArn)}`,
    );
  } else if (m[2] !== CLOUDFRONT_CERTIFICATE_REGION) {
    problems.push(
      `${key("certificateArn")} must be in ${CLOUDFRONT_CERTIFICATE_REGION} (CloudFront reads certificates only from there), got region ${m[2]} in ${JSON.stringify(certificateArn)}`,
    );
  }
  return problems;
}

/** Rules that tie values together, checked after overrides so an override cannot make the tier contradict itself. */
export function checkTierConsistency(tier: TierSpec): string[] {
  const problems: string[] = [];
  const { network, cache, search, database } = tier;
  if (network.natGateways > network.azCount) {
    problems.push(`natGateways (${network.natGateways}) cannot exceed azCount (${network.azCount})`);
  }
  // OpenSearch zone awareness across two zones needs an even number of data nodes (AWS rejects odd counts).
  if (search && network.azCount === 2 && search.dataNodes % 2 !== 0) {
    problems.push(`searchDataNodes (${search.dataNodes}) must be even when azCount is 2`);
  }
  if (search && search.dataNodes < network.azCount) {
    problems.push(
      `searchDataNodes (${search.dataNodes}) must be at least azCount (${network.azCount}) for zone awareness`,
    );
  }
  if (!database.primary.instanceClass.startsWith("db.")) {
    problems.push(`dbInstanceClass must be an RDS class (db.*), got ${database.primary.instanceClass}`);
  }
  if (!database.replicas.instanceClass.startsWith("db.")) {
    problems.push(`dbReplicaInstanceClass must be an RDS class (db.*), got ${database.replicas.instanceClass}`);
  }
  if (!cache.instanceClass.startsWith("cache.")) {
    problems.push(`redisNodeType must be an ElastiCache node type (cache.*), got ${cache.instanceClass}`);
  }
  if (search && !search.instanceClass.endsWith(".search")) {
    problems.push(`searchInstanceClass must be an OpenSearch class (*.search), got ${search.instanceClass}`);
  }
  // The capacity maths needs each node and database class's shape: only catalogued classes can be sized.
  const catalogued: Array<[key: string, service: InstanceService, instanceClass: string]> = [
    ["apiInstanceClass", "ec2", tier.compute.api.instanceClass],
    ["workerInstanceClass", "ec2", tier.compute.workers.instanceClass],
    ["dbInstanceClass", "rds-postgres", database.primary.instanceClass],
    ["dbReplicaInstanceClass", "rds-postgres", database.replicas.instanceClass],
  ];
  for (const [key, service, instanceClass] of catalogued) {
    const known = knownClasses(service);
    if (instanceClass.includes(".") && !known.includes(instanceClass)) {
      problems.push(
        `${key} ${instanceClass} is not in the instance catalog (stacks/instance-classes.json), so its capacity cannot be checked; known: ${known.join(", ")}`,
      );
    }
  }
  return problems;
}

const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Alarm subscriptions: email addresses, and HTTPS URLs with a host (SNS refuses plain HTTP for pagers here). */
export function alarmSubscriptionProblems(settings: AlertingSettings): string[] {
  const problems: string[] = [];
  const duplicates = (key: string, list: string[]) => {
    const twice = list.find((item, i) => list.indexOf(item) !== i);
    if (twice !== undefined) problems.push(`${PROJECT}:${key} lists ${JSON.stringify(twice)} twice`);
  };
  for (const email of settings.emails) {
    if (!EMAIL.test(email))
      problems.push(
        `${PROJECT}:alarmEmails entry ${JSON.stringify(email)} is not an email address like ops@example.com`,
      );
  }
  for (const endpoint of settings.httpsEndpoints) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (url === undefined || url.protocol !== "https:" || url.hostname === "") {
      problems.push(
        `${PROJECT}:alarmHttpsEndpoints entry ${JSON.stringify(endpoint)} is not an https:// URL like https://events.pagerduty.com/integration/<key>/enqueue`,
      );
    }
  }
  duplicates("alarmEmails", settings.emails);
  duplicates("alarmHttpsEndpoints", settings.httpsEndpoints);
  return problems;
}

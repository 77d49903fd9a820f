/**
 * The typed stack configuration: every `storyforge:*` key declared once (here, and mirrored into Pulumi.yaml by
 * `npm run gen:project-config`), validated at start-up. An unknown or mistyped key stops the program with an error
 * naming the key and the stack file; a silent default is never taken for a typo.
 *
 * Pulumi requires a value for every key declared without a default (pulumi/pulumi#21797), so override keys are
 * declared with an "inherit" default: `-1` for integers, `""` for strings and for the true/false overrides. Such a
 * value means "the tier's value".
 */
import type * as Pulumi from "@pulumi/pulumi";
import { TIERS, type TierSpec, isTierName, TIER_NAMES } from "./tiers";

export const PROJECT = "storyforge";
/** The `storyforge:tier` of a preview stack: no tier of its own, it deploys into a base stack's cluster. */
export const PREVIEW_TIER = "preview";

export type ConfigKeyType = "string" | "integer" | "boolean" | "flag" | "array";

export interface ConfigKeyDef {
  /** Key without the `storyforge:` namespace. */
  key: string;
  /**
   * `flag` is a true/false override declared to Pulumi as a string (`"true"`, `"false"`, or `""` to inherit),
   * because a boolean cannot say "inherit the tier's value".
   */
  type: ConfigKeyType;
  description: string;
  /** Dotted path into the TierSpec that this key overrides. Keys without a path are stack settings. */
  tierPath?: string;
  /** Default declared in Pulumi.yaml (for tier overrides: the "inherit" sentinel). */
  default?: string | number | boolean | string[];
  /** Smallest accepted value of an integer key. */
  min?: number;
  /** Largest accepted value of an integer key. */
  max?: number;
  /** For string keys: the accepted values. */
  oneOf?: readonly string[];
}

const INHERIT_INT = -1;
const INHERIT_STR = "";

function override(
  key: string,
  type: "integer" | "string" | "flag",
  tierPath: string,
  description: string,
  bounds: { min?: number; max?: number } = {},
): ConfigKeyDef {
  const inherit = type === "integer" ? INHERIT_INT : INHERIT_STR;
  const suffix = type === "integer" ? " (-1: the tier's value)" : " (empty: the tier's value)";
  return { key, type, tierPath, description: description + suffix, default: inherit, ...bounds };
}

/**
 * EKS minor versions the cluster has pinned add-ons for (KUBERNETES_PINS in infra/components/cluster.ts), each in
 * EKS standard support when chosen: 1.35 until 27 Mar 2027 (EKS Kubernetes release calendar). 1.34 leaves standard
 * support on 2 Dec 2026, so it is not offered. Add a version here and its pins there together.
 */
export const KUBERNETES_VERSIONS = ["1.35"] as const;
export const DEFAULT_KUBERNETES_VERSION = "1.35";

/** Every `storyforge:*` config key. Pulumi.yaml is generated from this list; a test keeps them equal. */
export const CONFIG_KEYS: readonly ConfigKeyDef[] = [
  {
    key: "tier",
    type: "string",
    description:
      "Capacity tier of the stack (seed 000 §8): mvp, v1 or v2; preview for a preview stack (stacks/preview)",
    oneOf: [...TIER_NAMES, PREVIEW_TIER],
  },
  {
    key: "owner",
    type: "string",
    description: "Team that owns the stack; tags every AWS resource",
    default: "platform",
  },
  // CDN custom domain (both or neither; empty: the distribution's *.cloudfront.net name only)
  {
    key: "domainName",
    type: "string",
    description: "Custom domain of the CDN, e.g. app.example.com (empty: none)",
    default: "",
  },
  {
    key: "certificateArn",
    type: "string",
    description: "ACM certificate for domainName, in us-east-1 as CloudFront requires (empty: none)",
    default: "",
  },
  // Network
  override("azCount", "integer", "network.azCount", "Availability zones used", { min: 2, max: 3 }),
  override("natGateways", "integer", "network.natGateways", "NAT gateways (1 for mvp, one per zone above)", {
    min: 1,
    max: 3,
  }),
  override("vpcCidr", "string", "network.vpcCidr", "IPv4 block of the VPC, a /16 to /20"),
  // Compute (node counts and classes of seed 000 §8.1)
  override("apiNodes", "integer", "compute.api.nodes", "API nodes (seed 000 §8.1 API servers)", { min: 1, max: 100 }),
  override("apiInstanceClass", "string", "compute.api.instanceClass", "EC2 class of the API nodes"),
  override("workerNodes", "integer", "compute.workers.nodes", "Worker nodes (seed 000 §8.1 Workers)", {
    min: 1,
    max: 200,
  }),
  override("workerInstanceClass", "string", "compute.workers.instanceClass", "EC2 class of the worker nodes"),
  // EKS control plane (infra/components/cluster.ts)
  {
    key: "kubernetesVersion",
    type: "string",
    description: "EKS Kubernetes minor version, pinned; one the cluster has add-on pins for",
    default: DEFAULT_KUBERNETES_VERSION,
    oneOf: KUBERNETES_VERSIONS,
  },
  {
    key: "clusterPublicAccessCidrs",
    type: "array",
    description: "IPv4 CIDRs that may reach the EKS API endpoint from the internet (empty: private endpoint only)",
    default: [],
  },
  {
    key: "clusterAdminRoleArn",
    type: "string",
    description: "IAM role given cluster-admin through an EKS access entry (empty: only the identity that deploys)",
    default: "",
  },
  {
    key: "clusterDeveloperRoleArn",
    type: "string",
    description:
      "IAM role developers deploy previews with: an EKS access entry with AmazonEKSEditPolicy on `preview-*` namespaces only (empty: none)",
    default: "",
  },
  // Workloads (HPA bounds, PgBouncer, throughput of issue 3 §6's capacity check)
  override("apiMinReplicas", "integer", "workloads.api.minReplicas", "API HPA minimum pods", { min: 2, max: 500 }),
  override("apiMaxReplicas", "integer", "workloads.api.maxReplicas", "API HPA maximum pods", { min: 2, max: 1000 }),
  override("workerMaxReplicas", "integer", "workloads.worker.maxReplicas", "Worker autoscaler maximum pods", {
    min: 2,
    max: 1000,
  }),
  override("pgbouncerReplicas", "integer", "workloads.pgbouncer.replicas", "PgBouncer pods (at least 2)", {
    min: 2,
    max: 50,
  }),
  override(
    "apiPodRps",
    "integer",
    "workloads.apiPodRps",
    "Requests per second one API pod serves (docs/benchmarks.md)",
    { min: 1 },
  ),
  override("targetRps", "integer", "workloads.targetRps", "Peak edge requests per second the tier must serve", {
    min: 1,
  }),
  {
    key: "pgbouncerImage",
    type: "string",
    description:
      "PgBouncer image ≥ 1.24, pinned by tag or digest (empty: the default of infra/components/pgbouncer.ts)",
    default: "",
  },
  // PostgreSQL
  override("dbInstanceClass", "string", "database.primary.instanceClass", "RDS class of the PostgreSQL primary"),
  override("dbStorageGb", "integer", "database.primary.storageGb", "gp3 storage of the primary in GB", {
    min: 20,
    max: 65536,
  }),
  override("dbReplicaCount", "integer", "database.replicas.count", "Read replicas of the primary", { min: 0, max: 5 }),
  override("dbReplicaInstanceClass", "string", "database.replicas.instanceClass", "RDS class of the read replicas"),
  override("dbMultiAz", "flag", "database.multiAz", "Multi-AZ standby for the primary: true or false"),
  override("dbBackupRetentionDays", "integer", "database.backupRetentionDays", "Days of automated backups", {
    min: 1,
    max: 35,
  }),
  override(
    "deletionProtection",
    "flag",
    "database.deletionProtection",
    "Deletion protection on the primary: true or false",
  ),
  override(
    "finalSnapshot",
    "flag",
    "database.finalSnapshot",
    "Final snapshot when the primary is deleted: true or false",
  ),
  // Redis
  override("redisNodeType", "string", "cache.instanceClass", "ElastiCache node type"),
  override("redisShards", "integer", "cache.shards", "Redis cluster-mode shards", { min: 1, max: 500 }),
  override("redisReplicasPerShard", "integer", "cache.replicasPerShard", "Replicas per shard (at least 1)", {
    min: 1,
    max: 5,
  }),
  // OpenSearch
  override("searchDataNodes", "integer", "search.dataNodes", "OpenSearch data nodes; 0 removes the domain", {
    min: 0,
    max: 80,
  }),
  override("searchInstanceClass", "string", "search.instanceClass", "OpenSearch data node class"),
  override("searchMasterInstanceClass", "string", "search.masterInstanceClass", "OpenSearch dedicated master class"),
  override("searchVolumeGb", "integer", "search.volumeGb", "gp3 volume per OpenSearch data node in GB", {
    min: 10,
    max: 24576,
  }),
  // Budget and usage assumptions (cost estimate)
  override("monthlyBudgetUsd", "integer", "budget.monthlyCeilingUsd", "Monthly cost ceiling in USD", { min: 0 }),
  override("usageCdnEgressGb", "integer", "usage.cdnEgressGb", "CloudFront egress, GB per month", { min: 0 }),
  override(
    "usageCdnRequestsMillions",
    "integer",
    "usage.cdnRequestsMillions",
    "CloudFront requests, millions per month",
    { min: 0 },
  ),
  override("usageNatProcessedGb", "integer", "usage.natProcessedGb", "NAT gateway traffic, GB per month", { min: 0 }),
  override("usageAlbProcessedGb", "integer", "usage.albProcessedGb", "Load balancer traffic, GB per month", { min: 0 }),
  override("usageLogIngestGb", "integer", "usage.logIngestGb", "CloudWatch Logs ingested, GB per month", { min: 0 }),
  override("usageS3StoredGb", "integer", "usage.s3StoredGb", "S3 data stored, GB", { min: 0 }),
  override("usageEcrStoredGb", "integer", "usage.ecrStoredGb", "ECR images stored, GB", { min: 0 }),
  override("usageDbBackupGb", "integer", "usage.dbBackupGb", "RDS backup storage, GB", { min: 0 }),
  // Preview stacks (stacks/preview; `npm run preview -- up` sets the preview* keys)
  {
    key: "baseStack",
    type: "string",
    description:
      "Preview stacks: the stack whose cluster they deploy into, e.g. organization/storyforge/v1 (empty: not a preview)",
    default: "",
  },
  {
    key: "previewDomain",
    type: "string",
    description:
      "Preview stacks: DNS zone of preview hosts, <namespace>.<previewDomain> (wildcard record to the shared preview ALB)",
    default: "",
  },
  {
    key: "previewBranch",
    type: "string",
    description: "Preview stacks: git branch deployed (set by the preview command)",
    default: "",
  },
  {
    key: "previewCommit",
    type: "string",
    description: "Preview stacks: git commit deployed (set by the preview command)",
    default: "",
  },
  {
    key: "previewOwner",
    type: "string",
    description: "Preview stacks: who deployed it, git user.email or $USER (set by the preview command)",
    default: "",
  },
  {
    key: "previewDeployedAt",
    type: "string",
    description: "Preview stacks: ISO time of the last deploy (set by the preview command)",
    default: "",
  },
];

/** The validated configuration of one stack. */
export interface StackConfig {
  project: string;
  stack: string;
  /** The file the values came from, named in every error. */
  stackFile: string;
  region: string;
  owner: string;
  /** The tier's table row with this stack's overrides applied. */
  tier: TierSpec;
  /** EKS control-plane settings (not tier sizing). */
  cluster: ClusterSettings;
  /** Every override applied, `key → value`, for the plan's header. */
  overrides: Record<string, unknown>;
  /** PgBouncer image override (tag other than latest, or digest), or undefined for the component's default. */
  pgbouncerImage: string | undefined;
  /** The CDN's custom domain and its ACM certificate (us-east-1), or null for the default CloudFront name. */
  customDomain: { domainName: string; certificateArn: string } | null;
}

export interface ClusterSettings {
  /** EKS Kubernetes minor version, one of KUBERNETES_VERSIONS. */
  kubernetesVersion: string;
  /** CIDRs allowed to the public API endpoint; empty turns the public endpoint off. */
  publicAccessCidrs: string[];
  /** Role granted cluster-admin with an access entry, or null. */
  adminRoleArn: string | null;
  /** Role granted edit rights in the `preview-*` namespaces with an access entry, or null. */
  developerRoleArn: string | null;
}

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

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

const KEY_INDEX = new Map(CONFIG_KEYS.map((d) => [d.key, d]));

/** Nearest declared key, for "did you mean" hints. */
function suggest(key: string): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const def of CONFIG_KEYS) {
    const d = editDistance(key.toLowerCase(), def.key.toLowerCase());
    if (d <= 3 && (!best || d < best.d)) best = { key: def.key, d };
  }
  return best?.key;
}

/** The error for a `storyforge:*` key nobody declared, with the nearest declared key as a hint. */
export function unknownKeyProblem(stackFile: string, fullKey: string): string {
  const hint = suggest(fullKey.slice(PROJECT.length + 1));
  return `${stackFile}: unknown config key ${fullKey}` + (hint ? ` (did you mean ${PROJECT}:${hint}?)` : "");
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

type Parsed = { ok: true; value: unknown; inherit: boolean } | { ok: false; problem: string };

/**
 * Values reach the program as strings from the Pulumi engine and as typed YAML scalars from the plan harness;
 * both spellings are accepted, nothing else.
 */
function parseValue(def: ConfigKeyDef, raw: unknown): Parsed {
  const shown = JSON.stringify(raw);
  switch (def.type) {
    case "integer": {
      const n =
        typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isInteger(n)) return { ok: false, problem: `must be an integer, got ${shown}` };
      if (def.tierPath && n === INHERIT_INT) return { ok: true, value: n, inherit: true };
      if (def.min !== undefined && n < def.min) return { ok: false, problem: `must be at least ${def.min}, got ${n}` };
      if (def.max !== undefined && n > def.max) return { ok: false, problem: `must be at most ${def.max}, got ${n}` };
      return { ok: true, value: n, inherit: false };
    }
    case "flag":
    case "boolean": {
      if (raw === true || raw === "true") return { ok: true, value: true, inherit: false };
      if (raw === false || raw === "false") return { ok: true, value: false, inherit: false };
      if (def.type === "flag" && raw === INHERIT_STR) return { ok: true, value: raw, inherit: true };
      return { ok: false, problem: `must be true or false, got ${shown}` };
    }
    case "string": {
      if (typeof raw !== "string") return { ok: false, problem: `must be a string, got ${shown}` };
      if (def.tierPath && raw === INHERIT_STR) return { ok: true, value: raw, inherit: true };
      if (def.oneOf && !def.oneOf.includes(raw)) {
        return { ok: false, problem: `must be one of ${def.oneOf.join(", ")}, got ${shown}` };
      }
      return { ok: true, value: raw, inherit: false };
    }
    case "array": {
      let v = raw;
      if (typeof raw === "string") {
        try {
          v = JSON.parse(raw);
        } catch {
          return { ok: false, problem: `must be a list, got ${shown}` };
        }
      }
      if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
        return { ok: false, problem: `must be a list of strings, got ${shown}` };
      }
      return { ok: true, value: v, inherit: false };
    }
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): boolean {
  const parts = path.split(".");
  let node: Record<string, unknown> = target;
  for (const p of parts.slice(0, -1)) {
    const next = node[p];
    if (next === null || typeof next !== "object") return false;
    node = next as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
  return true;
}

/**
 * Validates a stack's raw `storyforge:*` values and applies them to its tier. Pure: the Pulumi runtime reads
 * the values (loadStackConfig) and the plan harness reads them from the stack file; both end here.
 */
export function resolveStackConfig(input: {
  stack: string;
  stackFile: string;
  values: Record<string, unknown>;
}): StackConfig {
  const { stack, stackFile, values } = input;
  const problems: string[] = [];
  const settings = new Map<string, unknown>();
  const tierOverrides: Array<[ConfigKeyDef, unknown]> = [];

  for (const [fullKey, raw] of Object.entries(values)) {
    const [ns, ...rest] = fullKey.split(":");
    if (ns !== PROJECT) continue;
    const key = rest.join(":");
    const def = KEY_INDEX.get(key);
    if (!def) {
      problems.push(unknownKeyProblem(stackFile, fullKey));
      continue;
    }
    const parsed = parseValue(def, raw);
    if (!parsed.ok) {
      problems.push(`${stackFile}: ${fullKey} ${parsed.problem}`);
      continue;
    }
    if (parsed.inherit) continue;
    if (def.tierPath) tierOverrides.push([def, parsed.value]);
    else settings.set(def.key, parsed.value);
  }

  const tierName = settings.get("tier");
  if (tierName === undefined && !problems.some((p) => p.includes(`${PROJECT}:tier `))) {
    problems.push(`${stackFile}: ${PROJECT}:tier is required (one of ${TIER_NAMES.join(", ")})`);
  }
  const region = values["aws:region"];
  if (typeof region !== "string" || region === "") {
    problems.push(`${stackFile}: aws:region is required, e.g. us-east-1`);
  }
  if (tierName === PREVIEW_TIER) {
    problems.push(
      `${stackFile}: ${PROJECT}:tier is ${PREVIEW_TIER}: a preview stack is read by resolvePreviewConfig (stacks/preview/config.ts), not as a tier`,
    );
  }
  if (problems.length > 0 || !isTierName(tierName)) throw new ConfigError(problems);

  const tier = structuredClone(TIERS[tierName]);
  const overrides: Record<string, unknown> = {};
  for (const [def, value] of tierOverrides) {
    // `searchDataNodes: 0` removes the domain; other search keys need a tier that has one.
    if (def.key === "searchDataNodes" && value === 0) {
      tier.search = null;
    } else if (!setPath(tier as unknown as Record<string, unknown>, def.tierPath!, value)) {
      problems.push(
        `${stackFile}: ${PROJECT}:${def.key} cannot apply: tier ${tierName} has no ${def.tierPath!.split(".")[0]}`,
      );
      continue;
    }
    overrides[def.key] = value;
  }
  // The node total is derived from the topology, so an override of shards or replicas moves it.
  tier.cache.nodes = tier.cache.shards * (1 + tier.cache.replicasPerShard);
  problems.push(...checkTierConsistency(tier).map((p) => `${stackFile}: ${p}`));
  const adminRoleArn = (settings.get("clusterAdminRoleArn") as string | undefined) ?? "";
  const developerRoleArn = (settings.get("clusterDeveloperRoleArn") as string | undefined) ?? "";
  const cluster: ClusterSettings = {
    kubernetesVersion: (settings.get("kubernetesVersion") as string | undefined) ?? DEFAULT_KUBERNETES_VERSION,
    publicAccessCidrs: (settings.get("clusterPublicAccessCidrs") as string[] | undefined) ?? [],
    adminRoleArn: adminRoleArn === "" ? null : adminRoleArn,
    developerRoleArn: developerRoleArn === "" ? null : developerRoleArn,
  };
  problems.push(...clusterSettingsProblems(cluster).map((p) => `${stackFile}: ${p}`));
  const domainName = (settings.get("domainName") as string | undefined) ?? "";
  const certificateArn = (settings.get("certificateArn") as string | undefined) ?? "";
  problems.push(...customDomainProblems(domainName, certificateArn).map((p) => `${stackFile}: ${p}`));
  const pgbouncerImage = (settings.get("pgbouncerImage") as string | undefined) ?? "";
  if (pgbouncerImage !== "" && !isPinnedImage(pgbouncerImage)) {
    problems.push(
      `${stackFile}: ${PROJECT}:pgbouncerImage must be pinned by a tag other than latest or by @sha256 digest, got ${JSON.stringify(pgbouncerImage)}`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    project: PROJECT,
    stack,
    stackFile,
    region: region as string,
    owner: (settings.get("owner") as string | undefined) ?? "platform",
    tier,
    cluster,
    overrides,
    pgbouncerImage: pgbouncerImage === "" ? undefined : pgbouncerImage,
    customDomain: domainName === "" ? null : { domainName, certificateArn },
  };
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
  return problems;
}

/**
 * Reads and validates the running stack's config from the Pulumi runtime (a real `pulumi up` or the plan
 * harness). Throws a ConfigError naming each bad key and the stack file.
 */
export function loadStackConfig(): StackConfig {
  // Imported here so the pure functions above can be used without the Pulumi SDK loaded.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumi = require("@pulumi/pulumi") as typeof Pulumi;
  const stack = pulumi.getStack();
  return resolveStackConfig({ stack, stackFile: `Pulumi.${stack}.yaml`, values: pulumi.runtime.allConfig() });
}

/**
 * The typed stack configuration: the running stack's `storyforge:*` values, validated at start-up and applied to its
 * tier. An unknown or mistyped key stops the program with an error naming the key and the stack file; a silent
 * default is never taken for a typo.
 */
import type * as Pulumi from "@pulumi/pulumi";
import { TIERS, type TierSpec, isTierName, TIER_NAMES } from "../tiers";
import { DEFAULT_KUBERNETES_VERSION } from "../kubernetes";
import { type ConfigKeyDef, type DeployerAccess, type FlowLogDestination, KEY_INDEX, PROJECT } from "./keys";
import { ConfigError, parseValue, setPath, unknownKeyProblem } from "./parse";
import {
  alarmSubscriptionProblems,
  checkTierConsistency,
  clusterSettingsProblems,
  customDomainProblems,
  deployerAccessProblems,
  isPinnedImage,
  originCertificateProblems,
  zoneIdsProblems,
} from "./validators";

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
  /** A rollback: the `src-` tag of an image already in the stack's repository to run instead of a build. */
  imageTag: string | undefined;
  /** The CDN's custom domain and its ACM certificate (us-east-1), or null for the default CloudFront name. */
  customDomain: { domainName: string; certificateArn: string } | null;
  /** The API load balancer's regional certificate and the name CloudFront asks for, or null for HTTP. */
  originCertificate: { certificateArn: string; domainName: string } | null;
  /** Pinned availability zone ids in subnet-slot order (`storyforge:zoneIds`); empty: chosen at deploy time. */
  zoneIds: string[];
  /** Who the alarm topics notify (infra/components/alerting.ts). */
  alerting: AlertingSettings;
  /** Where VPC flow logs go (`storyforge:flowLogDestination`). */
  flowLogDestination: FlowLogDestination;
}

export interface AlertingSettings {
  /** Subscribed to the warning and critical topics (`storyforge:alarmEmails`). */
  emails: string[];
  /** Subscribed to the critical topic only (`storyforge:alarmHttpsEndpoints`). */
  httpsEndpoints: string[];
}

export interface ClusterSettings {
  /** EKS Kubernetes minor version, one of KUBERNETES_VERSIONS. */
  kubernetesVersion: string;
  /** CIDRs allowed to the public API endpoint; empty turns the public endpoint off. */
  publicAccessCidrs: string[];
  /** How the deployer reaches the API (storyforge:deployerAccess), or null when the stack has not said. */
  deployerAccess: DeployerAccess | null;
  /** Role granted cluster-admin with an access entry, or null. */
  adminRoleArn: string | null;
  /** Role granted edit rights in the `preview-*` namespaces with an access entry, or null. */
  developerRoleArn: string | null;
  /** Preview stacks deploy into this cluster: the Load Balancer Controller also serves their Ingresses. */
  hostsPreviews: boolean;
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
    deployerAccess: deployerAccessOf(settings.get("deployerAccess")),
    adminRoleArn: adminRoleArn === "" ? null : adminRoleArn,
    developerRoleArn: developerRoleArn === "" ? null : developerRoleArn,
    hostsPreviews: (settings.get("hostsPreviews") as boolean | undefined) ?? false,
  };
  problems.push(...clusterSettingsProblems(cluster).map((p) => `${stackFile}: ${p}`));
  const domainName = (settings.get("domainName") as string | undefined) ?? "";
  const certificateArn = (settings.get("certificateArn") as string | undefined) ?? "";
  problems.push(...customDomainProblems(domainName, certificateArn).map((p) => `${stackFile}: ${p}`));
  const originCertificateArn = (settings.get("originCertificateArn") as string | undefined) ?? "";
  const originDomainName = (settings.get("originDomainName") as string | undefined) ?? "";
  if (typeof region === "string")
    problems.push(
      ...originCertificateProblems(originCertificateArn, originDomainName, region).map((p) => `${stackFile}: ${p}`),
    );
  const pgbouncerImage = (settings.get("pgbouncerImage") as string | undefined) ?? "";
  if (pgbouncerImage !== "" && !isPinnedImage(pgbouncerImage)) {
    problems.push(
      `${stackFile}: ${PROJECT}:pgbouncerImage must be pinned by a tag other than latest or by @sha256 digest, got ${JSON.stringify(pgbouncerImage)}`,
    );
  }
  const zoneIds = (settings.get("zoneIds") as string[] | undefined) ?? [];
  problems.push(...zoneIdsProblems(zoneIds, tier.network.azCount).map((p) => `${stackFile}: ${p}`));
  const alerting: AlertingSettings = {
    emails: (settings.get("alarmEmails") as string[] | undefined) ?? [],
    httpsEndpoints: (settings.get("alarmHttpsEndpoints") as string[] | undefined) ?? [],
  };
  problems.push(...alarmSubscriptionProblems(alerting).map((p) => `${stackFile}: ${p}`));
  const imageTag = (settings.get("imageTag") as string | undefined) ?? "";
  if (imageTag !== "" && !SOURCE_TAG.test(imageTag)) {
    problems.push(
      `${stackFile}: ${PROJECT}:imageTag must be a tier image's tag, src- and 16 hex digits (\`npm run image -- tag\` prints it), got ${JSON.stringify(imageTag)}`,
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
    imageTag: imageTag === "" ? undefined : imageTag,
    customDomain: domainName === "" ? null : { domainName, certificateArn },
    originCertificate:
      originCertificateArn === "" ? null : { certificateArn: originCertificateArn, domainName: originDomainName },
    zoneIds,
    alerting,
    flowLogDestination: (settings.get("flowLogDestination") as FlowLogDestination | undefined) ?? "cloud-watch-logs",
  };
}

/** The tag a tier build pushes: SOURCE_TAG_PREFIX and the build context's hash (infra/components/image.ts). */
export const SOURCE_TAG = /^src-[0-9a-f]{16}$/;

/** The deployer access choice; "" (the declared default) and an absent key mean none was made. */
function deployerAccessOf(value: unknown): DeployerAccess | null {
  return value === undefined || value === "" ? null : (value as DeployerAccess);
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
  const config = resolveStackConfig({ stack, stackFile: `Pulumi.${stack}.yaml`, values: pulumi.runtime.allConfig() });
  // A deploy must know how it reaches the cluster's API before it creates anything.
  const problems = deployerAccessProblems(config.cluster).map((p) => `${config.stackFile}: ${p}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

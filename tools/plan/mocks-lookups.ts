/**
 * The look-ups the strict mocks answer for zones, instance offerings, the deploying session and security groups
 * (tools/plan/mocks.ts spreads them into CALL_RESULTS), with the account and deployer they answer as.
 */
import { createHash } from "node:crypto";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- function inputs and results follow the provider's schema
type Inputs = Record<string, any>;
const hash = (text: string) => createHash("sha256").update(text).digest("hex");

export const MOCK_ACCOUNT_ID = "123456789012";
/** The IAM role whose session runs the plan (see getCallerIdentity below). */
export const MOCK_DEPLOYER_ROLE = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/ci/storyforge-deployer`;

/**
 * A region's zones as one account sees them: us-east-1's six, its names mapped to ids out of order as in a real
 * account (names are shuffled per account; ids are physical), so code that takes names or list order for zones
 * shows up. Other regions: three zones, in order.
 */
export function mockRegionZones(region: string): { names: string[]; zoneIds: string[] } {
  if (region === "us-east-1") {
    // use1-az3 (no Graviton) among the first three names: code that takes the first names picks it.
    const ids = [1, 3, 2, 6, 4, 5];
    return { names: ids.map((_, i) => `us-east-1${"abcdef"[i]}`), zoneIds: ids.map((n) => `use1-az${n}`) };
  }
  const prefix = region.replace(/^(\w)\w*-(\w)\w*-(\d+)$/, "$1$2$3");
  return { names: ["a", "b", "c"].map((z) => `${region}${z}`), zoneIds: [1, 2, 3].map((n) => `${prefix}-az${n}`) };
}

/** The zone ids that offer no Graviton (`*g*.`) class: use1-az3, as AWS answers for us-east-1. */
export const ZONES_WITHOUT_GRAVITON = ["use1-az3"];
const isGraviton = (type: string) => /^[a-z]+\d+g[a-z]*\./.test(type);

/**
 * The newest build of each EKS add-on DescribeAddonVersions lists per Kubernetes minor, as the strict mocks answer
 * it. Offline there is no listing: these are the newest builds for 1.35 seen in public deployment configurations by
 * late 2026 (vpc-cni v1.23.0-eksbuild.1, kube-proxy v1.35.3-eksbuild.21, coredns v1.14.3-eksbuild.3,
 * aws-ebs-csi-driver v1.63.1-eksbuild.1), so the plan runs the pins' deploy-time check (infra/lib/addon-versions.ts)
 * against figures of the right shape; an add-on or minor missing here fails the plan, as an unlisted one fails AWS.
 */
export const MOCK_NEWEST_ADDON_BUILDS: Record<string, Record<string, string>> = {
  "1.35": {
    "vpc-cni": "v1.23.0-eksbuild.1",
    "kube-proxy": "v1.35.3-eksbuild.21",
    coredns: "v1.14.3-eksbuild.3",
    "aws-ebs-csi-driver": "v1.63.1-eksbuild.1",
  },
};

/** Provider functions the program calls to find zones, its session and CloudFront's group, as AWS would answer. */
export const LOOKUP_RESULTS: Record<string, (inputs: Inputs, env: { region: string }) => Inputs> = {
  "aws:index/getAvailabilityZones:getAvailabilityZones": (i, env) => {
    const zones = mockRegionZones(env.region);
    return { id: env.region, ...zones, state: i.state };
  },
  "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": (i, env) => {
    if (i.locationType !== "availability-zone-id") {
      throw new Error(`strict mocks: getInstanceTypeOfferings answers locationType availability-zone-id only`);
    }
    const types: string[] = (i.filters ?? []).find((f: Inputs) => f.name === "instance-type")?.values ?? [];
    const rows = mockRegionZones(env.region).zoneIds.flatMap((zone) =>
      types.filter((t) => !(isGraviton(t) && ZONES_WITHOUT_GRAVITON.includes(zone))).map((t) => ({ zone, t })),
    );
    return {
      id: env.region,
      instanceTypes: rows.map((r) => r.t),
      locations: rows.map((r) => r.zone),
      locationTypes: rows.map(() => "availability-zone-id"),
    };
  },
  "aws:eks/getAddonVersion:getAddonVersion": (i) => {
    const version = MOCK_NEWEST_ADDON_BUILDS[i.kubernetesVersion]?.[i.addonName];
    if (version === undefined || i.mostRecent !== true) {
      throw new Error(
        `strict mocks: getAddonVersion answers the newest build (mostRecent: true) of ${Object.entries(
          MOCK_NEWEST_ADDON_BUILDS,
        )
          .map(([minor, addons]) => `${Object.keys(addons).join(", ")} on ${minor}`)
          .join("; ")}; asked ${JSON.stringify(i)}`,
      );
    }
    return {
      id: i.addonName,
      addonName: i.addonName,
      kubernetesVersion: i.kubernetesVersion,
      mostRecent: true,
      version,
    };
  },
  // STS session → its role (terraform's aws_iam_session_context looks the role up, path included).
  "aws:iam/getSessionContext:getSessionContext": (i) => {
    const m = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(String(i.arn));
    const issuer = m && m[1] === MOCK_ACCOUNT_ID && MOCK_DEPLOYER_ROLE.endsWith(`/${m[2]}`) ? MOCK_DEPLOYER_ROLE : null;
    return {
      id: i.arn,
      arn: i.arn,
      issuerArn: issuer ?? i.arn,
      issuerId: issuer ? "AROAPLAN" : "",
      issuerName: m?.[2] ?? "",
      sessionName: m?.[3] ?? "",
    };
  },
  // Security groups looked up by filters: CloudFront's VPC-origin service group in the VPC the filter names.
  "aws:ec2/getSecurityGroup:getSecurityGroup": (i, env) => {
    const filter = (key: string) =>
      (i.filters as Array<{ name: string; values: string[] }> | undefined)?.find((f) => f.name === key)?.values[0];
    const groupName = filter("group-name") ?? i.name ?? "group";
    const vpcId = filter("vpc-id") ?? i.vpcId ?? "vpc-mock";
    const id = `sg-${hash(`${vpcId}/${groupName}`).slice(0, 17)}`;
    return {
      id,
      name: groupName,
      vpcId,
      arn: `arn:aws:ec2:${env.region}:${MOCK_ACCOUNT_ID}:security-group/${id}`,
      description: groupName,
      tags: {},
    };
  },
};

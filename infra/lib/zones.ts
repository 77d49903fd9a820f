/**
 * Which availability zones the VPC uses: chosen by zone id (the same physical zone in every account, unlike the
 * per-account names), only among zones that offer every instance class the cluster runs, and stable. Pure, so the
 * rules can be tested without a cloud; the network component feeds it the region's answers at deploy time.
 */

/** The region's zones as `aws.getAvailabilityZones` lists them: names and ids in parallel. */
export interface RegionZones {
  names: string[];
  zoneIds: string[];
}

/** `aws.ec2.getInstanceTypeOfferings` with `locationType: availability-zone-id`: types and zone ids in parallel. */
export interface Offerings {
  instanceTypes: string[];
  locations: string[];
}

export interface ZoneChoiceInput {
  /** Zones to use. */
  azCount: number;
  region: string;
  zones: RegionZones;
  offerings: Offerings;
  /** Every EC2 class that must run in each chosen zone (the node groups'). */
  requiredTypes: readonly string[];
  /** `storyforge:zoneIds`: zone ids in slot order; the first `azCount` are used. Empty: choose automatically. */
  pinned: readonly string[];
}

export interface ZoneChoice {
  /** Zone ids in subnet-slot order. */
  zoneIds: string[];
  /** The same zones' names in this account, for APIs that take names (RDS `availabilityZone`). */
  names: string[];
}

/** The number of a zone id (`use1-az4` → 4), for an order that AWS adding a zone does not disturb. */
function zoneNumber(id: string): number {
  return Number(/-az(\d+)$/.exec(id)?.[1] ?? Number.MAX_SAFE_INTEGER);
}

/**
 * The zones to use. Pinned ids are used as they are, after checking that the region has them and that they offer
 * every required class; otherwise the lowest-numbered zone ids that offer every class. Errors name the config key,
 * the zone and the classes it lacks.
 *
 * Stability: the automatic choice depends on zone ids only, never on the order the region lists zones in or on
 * their per-account names, and a zone the region adds later (a higher number) never displaces a chosen one. Pinning
 * (`storyforge:zoneIds`) is what keeps a deployed stack where it is even if a zone's offerings change; every tier's
 * stack file pins its zones.
 */
export function chooseZones(input: ZoneChoiceInput): ZoneChoice {
  const { azCount, region, zones, offerings, requiredTypes, pinned } = input;
  const nameOf = new Map(zones.zoneIds.map((id, i) => [id, zones.names[i]] as const));
  const offered = new Map<string, Set<string>>();
  offerings.locations.forEach((zoneId, i) => {
    const types = offered.get(zoneId) ?? new Set<string>();
    types.add(offerings.instanceTypes[i]);
    offered.set(zoneId, types);
  });
  const missing = (zoneId: string) => requiredTypes.filter((t) => !(offered.get(zoneId)?.has(t) ?? false));

  if (pinned.length > 0) {
    const problems: string[] = [];
    const used = pinned.slice(0, azCount);
    if (used.length < azCount) {
      problems.push(`storyforge:zoneIds lists ${pinned.length} zones but azCount is ${azCount}`);
    }
    for (const id of used) {
      if (!nameOf.has(id)) {
        problems.push(
          `storyforge:zoneIds entry ${id} is not a zone of ${region} (its zones: ${zones.zoneIds.join(", ")})`,
        );
      } else if (missing(id).length > 0) {
        problems.push(
          `storyforge:zoneIds entry ${id} does not offer ${missing(id).join(", ")} (EC2 instance type offerings)`,
        );
      }
    }
    if (problems.length > 0) throw new Error(problems.join("\n"));
    return { zoneIds: used, names: used.map((id) => nameOf.get(id)!) };
  }

  const ordered = [...zones.zoneIds].sort((a, b) => zoneNumber(a) - zoneNumber(b) || a.localeCompare(b));
  const usable = ordered.filter((id) => missing(id).length === 0);
  if (usable.length < azCount) {
    const lacking = ordered.filter((id) => missing(id).length > 0).map((id) => `${id} lacks ${missing(id).join(", ")}`);
    throw new Error(
      `${region} has ${usable.length} zones offering ${requiredTypes.join(", ")} but azCount is ${azCount}` +
        (lacking.length > 0 ? ` (${lacking.join("; ")})` : ""),
    );
  }
  const chosen = usable.slice(0, azCount);
  return { zoneIds: chosen, names: chosen.map((id) => nameOf.get(id)!) };
}

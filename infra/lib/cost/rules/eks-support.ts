/**
 * Which support an EKS control plane is billed at. A Kubernetes minor is in standard support for 14 months after
 * its EKS release, then in extended support for 12 more (EKS User Guide, "Understand the Kubernetes version
 * lifecycle on EKS"). Past standard support the control plane costs $0.60/h instead of $0.10/h unless
 * `upgradePolicy.supportType` is STANDARD, in which case EKS upgrades the cluster at the end of standard support.
 * Extended support is the default when no upgrade policy is given.
 */

/** End of standard and extended support per minor (EKS release calendar, as of the catalog date 2026-11-23). */
export const EKS_SUPPORT_CALENDAR: Readonly<Record<string, { standardEnds: string; extendedEnds: string }>> = {
  "1.28": { standardEnds: "2024-11-26", extendedEnds: "2025-11-26" },
  "1.29": { standardEnds: "2025-03-23", extendedEnds: "2026-03-23" },
  "1.30": { standardEnds: "2025-07-23", extendedEnds: "2026-07-23" },
  "1.31": { standardEnds: "2025-11-26", extendedEnds: "2026-11-26" },
  "1.32": { standardEnds: "2026-03-23", extendedEnds: "2027-03-23" },
  "1.33": { standardEnds: "2026-07-29", extendedEnds: "2027-07-29" },
  "1.34": { standardEnds: "2026-12-02", extendedEnds: "2027-12-02" },
  "1.35": { standardEnds: "2027-03-27", extendedEnds: "2028-03-27" },
};

/** The minors still in standard support on `asOf` (YYYY-MM-DD), oldest first. */
export function standardSupportMinors(asOf: string): string[] {
  return Object.entries(EKS_SUPPORT_CALENDAR)
    .filter(([, dates]) => dates.standardEnds > asOf)
    .map(([minor]) => minor);
}

export type SupportVerdict =
  { billed: "standard" | "extended"; reason: string } | { billed: "unknown"; reason: string };

function days(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
}

/** What `version` with `supportType` is billed on `asOf` (YYYY-MM-DD). */
export function eksSupport(version: string | undefined, supportType: string | undefined, asOf: string): SupportVerdict {
  const type = (supportType ?? "EXTENDED").toUpperCase();
  if (version === undefined)
    return { billed: "standard", reason: "no version declared: EKS picks its default, in standard support" };
  const minor = /^(\d+\.\d+)/.exec(version)?.[1] ?? version;
  const dates = EKS_SUPPORT_CALENDAR[minor];
  if (dates === undefined) {
    const known = Object.keys(EKS_SUPPORT_CALENDAR);
    const newest = known[known.length - 1];
    if (Number(minor.split(".")[1]) > Number(newest.split(".")[1]))
      return {
        billed: "standard",
        reason: `Kubernetes ${minor} is newer than the calendar (${newest}): standard support`,
      };
    return {
      billed: "unknown",
      reason: `Kubernetes ${minor} is not in the EKS support calendar (infra/lib/cost/rules/eks-support.ts)`,
    };
  }
  if (asOf < dates.standardEnds) {
    const left = days(asOf, dates.standardEnds);
    const then =
      type === "STANDARD"
        ? "EKS then upgrades it (supportType STANDARD)"
        : "then $0.60/h extended support (supportType EXTENDED)";
    return {
      billed: "standard",
      reason: `Kubernetes ${minor}: standard support until ${dates.standardEnds} (${left} days); ${then}`,
    };
  }
  if (type === "STANDARD")
    return {
      billed: "standard",
      reason: `Kubernetes ${minor} left standard support on ${dates.standardEnds}; supportType STANDARD: EKS upgrades the cluster rather than bill extended support`,
    };
  return {
    billed: "extended",
    reason: `Kubernetes ${minor} left standard support on ${dates.standardEnds} (extended until ${dates.extendedEnds}) and supportType is ${supportType === undefined ? "unset (EXTENDED by default)" : type}`,
  };
}

/**
 * The README's tier, config and stack-output tables, rendered from the tier model, CONFIG_KEYS and the typed outputs
 * (tools/gen/outputs-table.ts) so they cannot drift.
 * `npm run gen:readme` rewrites the marked blocks of README.md; a test fails when they are stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_KEYS, PROJECT } from "../../stacks/config";
import { TIER_NAMES, TIERS, type Sized } from "../../stacks/tiers";
import { renderPreviewOutputs, renderTierOutputs } from "./outputs-table";

const usd = (n: number) => `$${n.toLocaleString("en-US")}`;
const sized = (count: number, s: Sized) => `${count} × ${s.instanceClass} (${s.vcpu} vCPU, ${s.memoryGiB} GiB)`;

export function renderTierTable(): string {
  const rows: Array<[string, (t: (typeof TIERS)["mvp"]) => string]> = [
    ["Users (seed 000 §8.2)", (t) => t.users],
    ["Zones / NAT gateways", (t) => `${t.network.azCount} / ${t.network.natGateways}`],
    ["API nodes", (t) => sized(t.compute.api.nodes, t.compute.api)],
    ["Worker nodes", (t) => sized(t.compute.workers.nodes, t.compute.workers)],
    ["API pods (HPA min–max)", (t) => `${t.workloads.api.minReplicas}–${t.workloads.api.maxReplicas}`],
    ["Worker pods (KEDA min–max)", (t) => `${t.workloads.worker.minReplicas}–${t.workloads.worker.maxReplicas}`],
    [
      "PostgreSQL primary",
      (t) =>
        `${t.database.primary.instanceClass}, ${t.database.primary.storageGb.toLocaleString("en-US")} GB gp3${t.database.multiAz ? ", Multi-AZ" : ""}`,
    ],
    ["PostgreSQL replicas", (t) => sized(t.database.replicas.count, t.database.replicas)],
    [
      "Backups / deletion protection / final snapshot",
      (t) =>
        `${t.database.backupRetentionDays} days / ${t.database.deletionProtection ? "on" : "off"} / ${t.database.finalSnapshot ? "on" : "off"}`,
    ],
    [
      "Redis (cluster mode)",
      (t) => `${sized(t.cache.nodes, t.cache)}: ${t.cache.shards} shard(s) × ${1 + t.cache.replicasPerShard}`,
    ],
    [
      "OpenSearch",
      (t) =>
        t.search
          ? `${sized(t.search.dataNodes, t.search)} + 3 × ${t.search.masterInstanceClass} masters, ${t.search.volumeGb} GB gp3 each`
          : "none (PostgreSQL full-text search)",
    ],
    [
      "Monthly budget (seed 000 §8.2)",
      (t) =>
        `${usd(t.budget.monthlyCeilingUsd)} (seed projects ${usd(t.budget.projectionUsd.low)}–${usd(t.budget.projectionUsd.high)})`,
    ],
  ];
  const header = `| | ${TIER_NAMES.join(" | ")} |\n|---|${TIER_NAMES.map(() => "---").join("|")}|`;
  return [
    header,
    ...rows.map(([label, cell]) => `| ${label} | ${TIER_NAMES.map((n) => cell(TIERS[n])).join(" | ")} |`),
  ].join("\n");
}

export function renderConfigTable(): string {
  const lines = ["| Key | Type | Default | Description |", "|---|---|---|---|"];
  for (const def of CONFIG_KEYS) {
    const type = def.type === "flag" ? "true/false" : def.type;
    // A choice whose declared default is "" is still required: the program stops until it is made.
    const required = def.default === undefined || (def.oneOf !== undefined && def.default === "");
    const dflt = required ? "required" : def.tierPath ? "the tier's value" : `\`${JSON.stringify(def.default)}\``;
    lines.push(`| \`${PROJECT}:${def.key}\` | ${type} | ${dflt} | ${def.description.replace(/\|/g, "\\|")} |`);
  }
  return lines.join("\n");
}

const BLOCKS: Record<string, () => string> = {
  "tier-table": renderTierTable,
  "config-keys": renderConfigTable,
  "tier-outputs": renderTierOutputs,
  "preview-outputs": renderPreviewOutputs,
};

/** README text with every generated block replaced by its current rendering. */
export function refreshReadme(text: string): string {
  let out = text;
  for (const [id, render] of Object.entries(BLOCKS)) {
    const pattern = new RegExp(`(<!-- ${id}:start -->)[\\s\\S]*?(<!-- ${id}:end -->)`);
    if (!pattern.test(out)) throw new Error(`README.md has no <!-- ${id}:start --> ... <!-- ${id}:end --> block`);
    out = out.replace(pattern, (_m, start: string, end: string) => `${start}\n${render()}\n${end}`);
  }
  return out;
}

if (require.main === module) {
  const path = join(__dirname, "..", "..", "README.md");
  writeFileSync(path, refreshReadme(readFileSync(path, "utf8")));
  process.stdout.write("README.md tables refreshed\n");
}

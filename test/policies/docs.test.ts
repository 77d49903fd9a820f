import { readFileSync } from "node:fs";
import { DOC, withTable } from "../../tools/gen/rules-table";
import { ALL_RULES } from "../../policies/rules";

it("README.md lists every rule with its level and tiers, as generated from the rules (re-run tools/gen/rules-table.ts)", () => {
  const doc = readFileSync(DOC, "utf8");
  expect(doc).toBe(withTable(doc));
  for (const rule of ALL_RULES) expect(doc).toContain(`| \`${rule.name}\` |`);
});

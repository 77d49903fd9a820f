import { loadProfile } from "../../infra/lib/cost/load";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fromPreviewJson, fromPulumiJson, fromStackExport } from "../../tools/cost/convert";
import { estimateCost } from "../../infra/lib/cost/estimate";
import { priceDocument } from "../../tools/cost/sources";
import { TIERS } from "../../stacks/tiers";

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, "fixtures", name), "utf8"));

describe("pulumi preview --json", () => {
  const resources = fromPreviewJson(fixture("preview.json"));

  it("takes names, types and parents from the URNs, with the stack as no parent", () => {
    expect(resources.map((r) => [r.type, r.name, r.parent])).toEqual([
      ["pulumi:pulumi:Stack", "storyforge-mvp", null],
      ["pulumi:providers:aws", "default_7_48_0", null],
      ["storyforge:data:Database", "database", null],
      ["aws:rds/instance:Instance", "database-primary", "database"],
      ["aws:kms/key:Key", "database-key", "database"],
    ]);
  });

  it("leaves out resources being deleted, masks secrets and reads the region from the provider", () => {
    expect(resources.map((r) => r.name)).not.toContain("old-nat");
    const db = resources.find((r) => r.name === "database-primary")!;
    expect(db.inputs.password).toBe("[secret]");
    expect(db.region).toBe("us-east-1");
  });

  it("prices the same as the offline plan's resources would", () => {
    const plan = [
      { type: "storyforge:data:Database", name: "database", parent: null, inputs: {} },
      {
        type: "aws:rds/instance:Instance",
        name: "database-primary",
        parent: "database",
        inputs: fromPreviewJson(fixture("preview.json"))[3].inputs,
      },
      { type: "aws:kms/key:Key", name: "database-key", parent: "database", inputs: { enableKeyRotation: true } },
    ];
    const fromPreview = priceDocument(fixture("preview.json"), { label: "preview.json" });
    expect(fromPreview.tier.name).toBe("mvp");
    expect(fromPreview.estimate.monthly).toEqual(
      estimateCost(plan, TIERS.mvp.usage, { region: "us-east-1", load: loadProfile(TIERS.mvp) }).monthly,
    );
  });
});

describe("pulumi stack export", () => {
  const resources = fromStackExport(fixture("export.json"));

  it("leaves out pending deletions and gives each resource its provider's region", () => {
    expect(resources.map((r) => r.name)).not.toContain("old-nat");
    expect(resources.find((r) => r.name === "database-primary")!.region).toBe("us-east-1");
    expect(resources.find((r) => r.name === "eu-backups")!.region).toBe("eu-west-1");
    expect(resources.find((r) => r.name === "database-primary")!.inputs.password).toBe("[secret]");
  });

  it("uses the stack's tier output for usage, and a resource in another region is unpriced", () => {
    const { estimate, tier } = priceDocument(fixture("export.json"), { label: "export.json" });
    expect(tier.name).toBe("mvp");
    const eu = estimate.lineItems.filter((l) => l.resource === "eu-backups");
    expect(eu.length).toBeGreaterThan(0);
    for (const l of eu) expect(l.unpriced).toMatch(/region eu-west-1/);
    expect(estimate.lineItems.find((l) => l.resource === "database-primary")!.monthly).not.toBeNull();
  });

  it("tells the two formats apart and refuses anything else", () => {
    expect(fromPulumiJson(fixture("export.json")).format).toBe("export");
    expect(fromPulumiJson(fixture("preview.json")).format).toBe("preview");
    expect(() => fromPulumiJson({ hello: 1 })).toThrow(
      /expected `pulumi preview --json` \(steps\) or `pulumi stack export` \(deployment\)/,
    );
  });
});

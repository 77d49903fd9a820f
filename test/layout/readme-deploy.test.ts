/**
 * README "Deploying for real" is followed top to bottom by someone without the code in their head: every config key,
 * npm script and file it names must exist, and the CLI version it states is the one the preview commands enforce.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_KEYS, PROJECT } from "../../stacks/config";
import { MIN_PULUMI_CLI } from "../../tools/preview/backend";

const ROOT = join(__dirname, "..", "..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Deploying for real"), readme.indexOf("\n## Configuration"));
const scripts = Object.keys(
  (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts,
);

test("the section has its parts in the order a first deploy needs them", () => {
  const headings = [...section.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
  expect(headings).toEqual([
    "Prerequisites",
    "Once per AWS account: the bootstrap",
    "Once per team: backend and secrets provider",
    "How the deploy reaches the cluster: `storyforge:deployerAccess`",
    "Preview and deploy",
    "Rolling back",
    "Tearing down",
    "Stack outputs",
  ]);
});

test("it states the lowest Pulumi CLI the preview commands enforce, the AWS CLI v2 and buildx with arm64 emulation", () => {
  expect(section).toContain(`**${MIN_PULUMI_CLI} or later**`);
  expect(section).toContain("AWS CLI v2");
  expect(section).toMatch(/buildx[\s\S]*arm64 emulation[\s\S]*--install arm64/);
});

test("every storyforge: key it names is a declared config key", () => {
  const keys = new Set(CONFIG_KEYS.map((k) => `${PROJECT}:${k.key}`));
  const named = [...new Set([...section.matchAll(/\bstoryforge:([A-Za-z]+)/g)].map((m) => `storyforge:${m[1]}`))];
  expect(named.length).toBeGreaterThan(3);
  expect(named.filter((k) => !keys.has(k))).toEqual([]);
});

test("every npm script and repository file it names exists", () => {
  const named = [...new Set([...section.matchAll(/npm run (?:-s )?([a-z:-]+)/g)].map((m) => m[1]))];
  expect(named.filter((s) => !scripts.includes(s))).toEqual([]);
  const files = [
    ...new Set(
      [
        ...section.matchAll(
          /\b(policies\/[\w-]+(?:\.[\w-]+)*\.(?:json|ts|yaml)|infra\/[\w./-]+\.ts|previews\/[\w./-]+\.ts)/g,
        ),
      ].map((m) => m[1]),
    ),
  ];
  expect(files.length).toBeGreaterThan(2);
  expect(files.filter((f) => !existsSync(join(ROOT, f)))).toEqual([]);
});

test("teardown goes previews first, then controller load balancers, then deletion protection, then destroy", () => {
  const teardown = section.slice(section.indexOf("### Tearing down"));
  const at = (text: string) => {
    const i = teardown.indexOf(text);
    expect({ text, found: i >= 0 }).toEqual({ text, found: true });
    return i;
  };
  const order = [
    at("Previews before their base"),
    at("elbv2.k8s.aws/cluster"),
    at("storyforge:deletionProtection=false"),
    at("pulumi destroy --stack"),
  ];
  expect([...order].sort((a, b) => a - b)).toEqual(order);
});

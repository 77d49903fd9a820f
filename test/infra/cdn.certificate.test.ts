import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PLAN_TIMEOUT_MS } from "../support/plan";

// The real `npm run plan` on stack files holding a bad certificate: the program stops before declaring anything.
const ROOT = join(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const CERT_ID = "certificate/0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";

function plan(stack: string, dir: string) {
  const result = spawnSync(TSX, ["tools/plan/cli.ts", "--stack", stack], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, STORYFORGE_STACK_DIR: dir },
    timeout: PLAN_TIMEOUT_MS,
  });
  return { code: result.status, stderr: result.stderr };
}

describe("storyforge:certificateArn", () => {
  let dir: string;
  const stackFile = (arn: string) =>
    `config:\n  aws:region: us-east-1\n  storyforge:tier: v1\n  storyforge:domainName: app.storyforge.example\n  storyforge:certificateArn: "${arn}"\n`;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "storyforge-cdn-"));
    writeFileSync(join(dir, "Pulumi.euwest.yaml"), stackFile(`arn:aws:acm:eu-west-1:123456789012:${CERT_ID}`));
    writeFileSync(join(dir, "Pulumi.iam.yaml"), stackFile("arn:aws:iam::123456789012:server-certificate/storyforge"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    "a certificate outside us-east-1 fails the plan, naming the key, the file and the region",
    () => {
      const { code, stderr } = plan("euwest", dir);
      expect(code).toBe(1);
      expect(stderr).toContain(
        "Pulumi.euwest.yaml: storyforge:certificateArn must be in us-east-1 (CloudFront reads certificates only from there), got region eu-west-1",
      );
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    "an ARN that is not an ACM certificate fails the plan, naming the key",
    () => {
      const { code, stderr } = plan("iam", dir);
      expect(code).toBe(1);
      expect(stderr).toContain(
        'Pulumi.iam.yaml: storyforge:certificateArn must be an ACM certificate ARN (arn:aws:acm:us-east-1:<account>:certificate/<id>), got "arn:aws:iam::123456789012:server-certificate/storyforge"',
      );
    },
    PLAN_TIMEOUT_MS,
  );
});

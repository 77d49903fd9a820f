/**
 * EKS gives the identity that creates the cluster an access entry itself (bootstrapClusterCreatorAdminPermissions,
 * ForceNew, left on). A configured admin or developer role that is the deploying role would get a second entry,
 * which CreateAccessEntry refuses (ResourceInUseException): the real `npm run plan` stops with the key named.
 * The plan deploys as a session of MOCK_DEPLOYER_ROLE (tools/plan/mocks.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { creatorEntryProblem, sameIamRole } from "../../infra/lib/access-entries";
import { MOCK_DEPLOYER_ROLE } from "../../tools/plan/mocks";
import { PLAN_TIMEOUT_MS } from "../support/plan";

const ROOT = join(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

function plan(stack: string, dir: string) {
  const result = spawnSync(TSX, ["tools/plan/cli.ts", "--stack", stack, "--json"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, STORYFORGE_STACK_DIR: dir },
    // The program runs under the CLI's loader (ts-node): minutes on a loaded machine.
    timeout: PLAN_TIMEOUT_MS,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("access entries for the deploying role", () => {
  let dir: string;
  // With a custom domain, so the policy pack (which reads the tier from the config) passes without the committed
  // stacks' TLS waiver and an exit code is the program's own.
  const stackFile = (key: string, arn: string) =>
    [
      "config:",
      "  aws:region: us-east-1",
      "  storyforge:tier: mvp",
      "  storyforge:deployerAccess: in-vpc",
      "  storyforge:domainName: app.storyforge.example",
      '  storyforge:certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"',
      `  storyforge:${key}: "${arn}"`,
      "",
    ].join("\n");
  // The same role as the deployer's, written without its path (as EKS and people often do).
  const deployerWithoutPath = MOCK_DEPLOYER_ROLE.replace("role/ci/", "role/");

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "storyforge-creator-"));
    writeFileSync(join(dir, "Pulumi.selfadmin.yaml"), stackFile("clusterAdminRoleArn", deployerWithoutPath));
    writeFileSync(join(dir, "Pulumi.selfdev.yaml"), stackFile("clusterDeveloperRoleArn", MOCK_DEPLOYER_ROLE));
    writeFileSync(
      join(dir, "Pulumi.otheradmin.yaml"),
      stackFile("clusterAdminRoleArn", "arn:aws:iam::123456789012:role/ops/platform-admin"),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    "an admin access entry for the role that deploys (the cluster's creator) stops the plan, naming the key",
    () => {
      const { code, stderr } = plan("selfadmin", dir);
      expect(code).toBe(1);
      expect(stderr).toContain(
        `storyforge:clusterAdminRoleArn ${deployerWithoutPath} is the role deploying the stack (${MOCK_DEPLOYER_ROLE})`,
      );
      expect(stderr).toContain("ResourceInUseException");
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    "so does a developer access entry for it",
    () => {
      const { code, stderr } = plan("selfdev", dir);
      expect(code).toBe(1);
      expect(stderr).toContain(
        `storyforge:clusterDeveloperRoleArn ${MOCK_DEPLOYER_ROLE} is the role deploying the stack`,
      );
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    "another role gets its cluster-admin access entry",
    () => {
      const { code, stdout } = plan("otheradmin", dir);
      expect(code).toBe(0);
      const entries = JSON.parse(stdout).resources.filter(
        (r: { type: string }) => r.type === "aws:eks/accessEntry:AccessEntry",
      );
      expect(entries.map((r: { inputs: { principalArn: string } }) => r.inputs.principalArn)).toEqual([
        "arn:aws:iam::123456789012:role/ops/platform-admin",
      ]);
    },
    PLAN_TIMEOUT_MS,
  );
});

describe("sameIamRole", () => {
  it("matches partition, account and role name, whatever the path", () => {
    expect(sameIamRole("arn:aws:iam::123456789012:role/a/b/deployer", "arn:aws:iam::123456789012:role/deployer")).toBe(
      true,
    );
    expect(sameIamRole("arn:aws:iam::123456789012:role/deployer", "arn:aws:iam::210987654321:role/deployer")).toBe(
      false,
    );
    expect(sameIamRole("arn:aws:iam::123456789012:role/deployer", "arn:aws:iam::123456789012:user/deployer")).toBe(
      false,
    );
    expect(creatorEntryProblem("k", "arn:aws:iam::123456789012:role/x", "arn:aws:iam::123456789012:role/y")).toBe(
      undefined,
    );
  });
});

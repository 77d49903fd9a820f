import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrap, type CliResult } from "../../tools/bootstrap/bootstrap";

const ok = (stdout = "{}"): CliResult => ({ code: 0, stdout, stderr: "" });
const fail = (stderr: string): CliResult => ({ code: 254, stdout: "", stderr });
const NO_ROLE =
  "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name AWSServiceRoleForAmazonOpenSearchService cannot be found.";
const IDENTITY = ok(JSON.stringify({ Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/jane" }));

/** A fake AWS CLI: answers by the first two words, records every call. */
function fakeAws(answers: Record<string, CliResult | CliResult[]>) {
  const calls: string[][] = [];
  const run = (args: string[]) => {
    calls.push(args);
    const key = args.slice(0, 2).join(" ");
    const answer = answers[key];
    if (answer === undefined) throw new Error(`unexpected aws ${args.join(" ")}`);
    return Promise.resolve(Array.isArray(answer) ? answer.shift()! : answer);
  };
  return { calls, run, commands: () => calls.map((c) => c.slice(0, 2).join(" ")) };
}

const opts = { region: "eu-west-1", dryRun: false };

describe("npm run bootstrap (the account's prerequisites, once)", () => {
  test("creates the OpenSearch service-linked role when the account lacks it", async () => {
    const aws = fakeAws({
      "sts get-caller-identity": IDENTITY,
      "iam get-role": fail(NO_ROLE),
      "iam create-service-linked-role": ok(),
    });
    const result = await bootstrap(opts, aws.run);
    expect(result.account).toBe("123456789012");
    expect(result.steps).toEqual([{ what: "IAM role AWSServiceRoleForAmazonOpenSearchService", outcome: "created" }]);
    expect(aws.calls[2]).toEqual([
      "iam",
      "create-service-linked-role",
      "--aws-service-name",
      "opensearchservice.amazonaws.com",
      "--region",
      "eu-west-1",
      "--output",
      "json",
    ]);
  });

  test("is idempotent: a second run finds the role and creates nothing", async () => {
    const aws = fakeAws({ "sts get-caller-identity": IDENTITY, "iam get-role": ok() });
    const result = await bootstrap(opts, aws.run);
    expect(result.steps.map((s) => s.outcome)).toEqual(["present"]);
    expect(aws.commands()).toEqual(["sts get-caller-identity", "iam get-role"]);
  });

  test("a role created by someone else in between counts as present", async () => {
    const aws = fakeAws({
      "sts get-caller-identity": IDENTITY,
      "iam get-role": fail(NO_ROLE),
      "iam create-service-linked-role": fail(
        "An error occurred (InvalidInput): Service role name AWSServiceRoleForAmazonOpenSearchService has been taken in this account, please try a different suffix.",
      ),
    });
    expect((await bootstrap(opts, aws.run)).steps.map((s) => s.outcome)).toEqual(["present"]);
  });

  test("--dry-run creates nothing and says what it would create", async () => {
    const aws = fakeAws({
      "sts get-caller-identity": IDENTITY,
      "iam get-role": fail(NO_ROLE),
      "kms describe-key": fail(
        "An error occurred (NotFoundException): Alias arn:aws:kms:eu-west-1:123456789012:alias/sf is not found.",
      ),
    });
    const result = await bootstrap({ ...opts, dryRun: true, secretsKey: "alias/sf" }, aws.run);
    expect(result.steps.map((s) => s.outcome)).toEqual(["would create", "would create"]);
    expect(aws.commands()).toEqual(["sts get-caller-identity", "iam get-role", "kms describe-key"]);
  });

  test("--secrets-key creates a rotating KMS key under the alias, once", async () => {
    const aws = fakeAws({
      "sts get-caller-identity": IDENTITY,
      "iam get-role": ok(),
      "kms describe-key": fail("An error occurred (NotFoundException): Alias is not found."),
      "kms create-key": ok(JSON.stringify({ KeyMetadata: { KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab" } })),
      "kms enable-key-rotation": ok(),
      "kms create-alias": ok(),
    });
    const result = await bootstrap({ ...opts, secretsKey: "alias/storyforge-pulumi" }, aws.run);
    expect(result.steps[1]).toMatchObject({
      what: "KMS key alias/storyforge-pulumi (eu-west-1) for awskms://alias/storyforge-pulumi?region=eu-west-1",
      outcome: "created",
    });
    expect(aws.calls.find((c) => c[1] === "create-alias")).toEqual(
      expect.arrayContaining([
        "--alias-name",
        "alias/storyforge-pulumi",
        "--target-key-id",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
      ]),
    );
  });

  test("credentials that cannot read IAM stop it with the AWS error, before anything is created", async () => {
    const aws = fakeAws({
      "sts get-caller-identity": IDENTITY,
      "iam get-role": fail(
        "An error occurred (AccessDenied) when calling the GetRole operation: User is not authorized",
      ),
    });
    await expect(bootstrap(opts, aws.run)).rejects.toThrow(
      /reading IAM role AWSServiceRoleForAmazonOpenSearchService failed: An error occurred \(AccessDenied\)/,
    );
    expect(aws.commands()).not.toContain("iam create-service-linked-role");
  });
});

describe("the command line", () => {
  const ROOT = join(__dirname, "..", "..");
  const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
  let bin: string;
  beforeAll(() => {
    bin = mkdtempSync(join(tmpdir(), "storyforge-aws-"));
    // A stand-in `aws` on PATH: logs its arguments, the account has the role already.
    writeFileSync(
      join(bin, "aws"),
      `#!/bin/sh\necho "$@" >> "${bin}/calls"\ncase "$1 $2" in\n  "sts get-caller-identity") echo '{"Account":"123456789012"}';;\n  "iam get-role") echo '{}';;\n  *) echo "unexpected $*" >&2; exit 9;;\nesac\n`,
    );
    chmodSync(join(bin, "aws"), 0o755);
  });
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  const cli = (args: string[], path: string) =>
    spawnSync(process.execPath, [TSX, join(ROOT, "tools", "bootstrap", "cli.ts"), ...args], {
      encoding: "utf8",
      env: { ...process.env, PATH: path },
      timeout: 60_000,
    });

  test("runs the AWS CLI in the given region and reports each prerequisite", () => {
    const run = cli(["--region", "us-east-1"], `${bin}:${process.env.PATH}`);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("present      IAM role AWSServiceRoleForAmazonOpenSearchService");
    expect(readFileSync(join(bin, "calls"), "utf8")).toContain(
      "iam get-role --role-name AWSServiceRoleForAmazonOpenSearchService --region us-east-1",
    );
  }, 60_000);

  test("without --region it exits 2 with the usage; without the AWS CLI it exits 1 saying how to install it", () => {
    expect(cli([], `${bin}:${process.env.PATH}`).status).toBe(2);
    const missing = cli(["--region", "us-east-1"], "/nonexistent");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("the AWS CLI v2 is not installed (no `aws` on PATH)");
  }, 60_000);
});

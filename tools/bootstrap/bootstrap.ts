/**
 * What an AWS account needs once, before its first stack: things no stack may own, because every stack of the account
 * shares them and a stack's `destroy` would delete them under the others. Idempotent: what exists is left alone.
 *
 * - The OpenSearch service-linked role (AWSServiceRoleForAmazonOpenSearchService), which VPC domains need; the
 *   program only looks it up (infra/components/search.ts) and stops with this command's name when it is missing.
 * - Optionally, the KMS key behind the team's Pulumi secrets provider (`--secrets-key alias/...`), so every stack can
 *   be created with `pulumi stack init --secrets-provider awskms://alias/...`.
 *
 * Everything goes through the AWS CLI v2 with the caller's credentials; `run` is injected so tests see each call.
 */
import { OPENSEARCH_SERVICE_ROLE } from "../../infra/lib/prerequisites";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Runner = (args: string[]) => Promise<CliResult>;

export interface BootstrapOptions {
  region: string;
  profile?: string;
  /** A KMS alias (`alias/...`) for the Pulumi secrets provider, created if missing. */
  secretsKey?: string;
  /** Report what would be created and create nothing. */
  dryRun: boolean;
}

export class BootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BootstrapError";
  }
}

/** One prerequisite and what happened to it. */
export interface Step {
  what: string;
  outcome: "present" | "created" | "would create";
  detail?: string;
}

const firstLine = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "") ?? "";

export async function bootstrap(opts: BootstrapOptions, run: Runner): Promise<{ account: string; steps: Step[] }> {
  const aws = (args: string[]) =>
    run([...args, "--region", opts.region, ...(opts.profile ? ["--profile", opts.profile] : []), "--output", "json"]);
  const must = async (args: string[], doing: string): Promise<string> => {
    const res = await aws(args);
    if (res.code !== 0) throw new BootstrapError(`${doing} failed (aws ${args.join(" ")}): ${firstLine(res.stderr)}`);
    return res.stdout;
  };

  const identity = JSON.parse(await must(["sts", "get-caller-identity"], "reading the caller's AWS account")) as {
    Account: string;
  };
  const steps: Step[] = [];

  const role = await aws(["iam", "get-role", "--role-name", OPENSEARCH_SERVICE_ROLE.name]);
  if (role.code === 0) {
    steps.push({ what: `IAM role ${OPENSEARCH_SERVICE_ROLE.name}`, outcome: "present" });
  } else if (!/NoSuchEntity/.test(role.stderr)) {
    throw new BootstrapError(`reading IAM role ${OPENSEARCH_SERVICE_ROLE.name} failed: ${firstLine(role.stderr)}`);
  } else if (opts.dryRun) {
    steps.push({ what: `IAM role ${OPENSEARCH_SERVICE_ROLE.name}`, outcome: "would create" });
  } else {
    const created = await aws([
      "iam",
      "create-service-linked-role",
      "--aws-service-name",
      OPENSEARCH_SERVICE_ROLE.service,
    ]);
    // Someone else created it in between: it is there, which is all that matters.
    if (created.code !== 0 && !/has been taken in this account/.test(created.stderr)) {
      throw new BootstrapError(
        `creating the service-linked role for ${OPENSEARCH_SERVICE_ROLE.service} failed: ${firstLine(created.stderr)}`,
      );
    }
    steps.push({
      what: `IAM role ${OPENSEARCH_SERVICE_ROLE.name}`,
      outcome: created.code === 0 ? "created" : "present",
    });
  }

  if (opts.secretsKey !== undefined) steps.push(await secretsKey(opts, aws, must));
  return { account: identity.Account, steps };
}

async function secretsKey(
  opts: BootstrapOptions,
  aws: (args: string[]) => Promise<CliResult>,
  must: (args: string[], doing: string) => Promise<string>,
): Promise<Step> {
  const alias = opts.secretsKey!;
  if (!/^alias\/[A-Za-z0-9/_-]+$/.test(alias) || alias.startsWith("alias/aws/")) {
    throw new BootstrapError(
      `--secrets-key must be a KMS alias of your own like alias/storyforge-pulumi, got ${alias}`,
    );
  }
  const what = `KMS key ${alias} (${opts.region}) for awskms://${alias}?region=${opts.region}`;
  const found = await aws(["kms", "describe-key", "--key-id", alias]);
  if (found.code === 0) return { what, outcome: "present" };
  if (!/NotFoundException/.test(found.stderr)) {
    throw new BootstrapError(`reading KMS alias ${alias} failed: ${firstLine(found.stderr)}`);
  }
  if (opts.dryRun) return { what, outcome: "would create" };
  const key = JSON.parse(
    await must(
      [
        "kms",
        "create-key",
        "--description",
        "Pulumi secrets provider of the StoryForge stacks",
        "--tags",
        "TagKey=project,TagValue=storyforge",
      ],
      "creating the KMS key",
    ),
  ) as { KeyMetadata: { KeyId: string } };
  await must(["kms", "enable-key-rotation", "--key-id", key.KeyMetadata.KeyId], "turning on key rotation");
  await must(
    ["kms", "create-alias", "--alias-name", alias, "--target-key-id", key.KeyMetadata.KeyId],
    "naming the key",
  );
  return { what, outcome: "created", detail: key.KeyMetadata.KeyId };
}

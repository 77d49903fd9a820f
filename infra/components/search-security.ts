import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as TypeScript from "typescript";
import { type StackContext } from "../lib/context";
import { NAME_LIMITS } from "../lib/naming";
import { searchSecurityRequests } from "../lib/search-security";
import { deputyCondition } from "../lib/trust";
import type { SecurityEvent } from "../functions/search-security";

/**
 * When AWS Lambda deprecates each Node runtime (the Lambda runtimes page): from then on a function on it can no
 * longer be updated, so any change to the stack's function would fail the deploy.
 */
export const LAMBDA_RUNTIME_DEPRECATION: Readonly<Record<string, string>> = {
  "nodejs20.x": "2026-04-30",
  "nodejs22.x": "2027-04-30",
  "nodejs24.x": "2028-04-30",
};
export const LAMBDA_RUNTIME = "nodejs24.x";

/** The function's source: Node built-ins only, transpiled to CommonJS as the function's `index.js`. */
const HANDLER_SOURCE = join(__dirname, "..", "functions", "search-security.ts");

/** The Lambda code the program ships: infra/functions/search-security.ts as CommonJS for the nodejs24.x runtime. */
export function searchSecurityCode(): string {
  // Loaded here, not at import: only tiers with a search domain pay for loading the compiler.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require("typescript") as typeof TypeScript;
  const source = readFileSync(HANDLER_SOURCE, "utf8");
  return ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: "index.ts",
  }).outputText;
}

/**
 * The fine-grained access control master user: an IAM role that only the Lambda service (for this account) and,
 * when `storyforge:clusterAdminRoleArn` is set, that operators' role can assume. No pod can: it trusts no OIDC
 * provider, so a compromised API or worker pod cannot rewrite security settings or delete indices.
 * Lambda documents `aws:SourceAccount` for execution-role trust; `aws:SourceArn` is not sent on that path, so it is
 * not required (a key the service does not send would make every assumption fail).
 */
export function searchAdminRole(name: string, context: StackContext, parent: pulumi.Resource): aws.iam.Role {
  const account = aws.getCallerIdentityOutput({}, { parent }).accountId;
  const operator = context.config.cluster.adminRoleArn;
  return new aws.iam.Role(
    `${name}-admin-role`,
    {
      name: context.name("search-admin", NAME_LIMITS.iamRole),
      description: "OpenSearch fine-grained access control master user: the search-security function and operators",
      assumeRolePolicy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: deputyCondition({ sourceAccount: account }),
          },
          ...(operator !== null ? [{ Effect: "Allow", Principal: { AWS: operator }, Action: "sts:AssumeRole" }] : []),
        ],
      }),
      tags: context.tags(),
    },
    { parent },
  );
}

/** The function's security group: no ingress; its one egress rule (to the domain on 443) is added with the function. */
export function searchAdminFunctionGroup(
  name: string,
  context: StackContext,
  vpcId: pulumi.Input<string>,
  parent: pulumi.Resource,
): aws.ec2.SecurityGroup {
  return new aws.ec2.SecurityGroup(
    `${name}-admin-fn-sg`,
    {
      vpcId,
      name: context.name("search-admin-fn"),
      description: "StoryForge search-security function: reaches the OpenSearch domain only",
      tags: context.tags({ Name: context.name("search-admin-fn") }),
    },
    { parent },
  );
}

export interface SearchSecurityArgs {
  context: StackContext;
  /** Private subnets the function runs in (it needs no internet: the event carries everything). */
  subnetIds: pulumi.Input<string>[];
  domain: { endpoint: pulumi.Input<string>; arn: pulumi.Input<string> };
  /** The master user role (searchAdminRole): the function's execution role. */
  adminRole: aws.iam.Role;
  /** The function's group (searchAdminFunctionGroup) and the domain's, which admits it. */
  functionGroup: aws.ec2.SecurityGroup;
  domainGroupId: pulumi.Input<string>;
  /** The API's and the worker's IRSA role, mapped to the app's index-scoped OpenSearch role. */
  clientRoleArn: pulumi.Input<string>;
  /**
   * What lets the function in: the domain's access policy (naming the master role) and its ingress rule from the
   * function's group. The invocation waits for them, or its first request is refused or times out and fails the deploy.
   */
  domainAccess: pulumi.Resource[];
  /**
   * Days the function's logs are kept.
   * @default 14
   */
  logRetentionDays?: number;
}

/**
 * Applies the app's OpenSearch role and its mapping at deploy time. The security API is reachable only inside the
 * VPC, so a VPC-attached Lambda function signs the calls as the master user, and `aws.lambda.Invocation` runs it
 * during `pulumi up`, failing the deploy when it throws. It runs again when its requests or its code change.
 * Chosen over a Kubernetes Job because the master role then trusts no service account: nothing that can start a pod
 * can become the master user, and the mapping does not wait for the cluster.
 *
 * Monthly cost: none to speak of (one invocation per change; the log group's storage).
 */
export class SearchSecurity extends pulumi.ComponentResource {
  readonly invocation: aws.lambda.Invocation;

  constructor(name: string, args: SearchSecurityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:data:SearchSecurity", name, {}, opts);
    const { context, adminRole } = args;
    const parent = { parent: this };
    const functionName = context.name("search-security", NAME_LIMITS.iamRole);

    const httpPolicy = new aws.iam.RolePolicy(
      `${name}-http-policy`,
      {
        role: adminRole.id,
        name: "opensearch-http",
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPut", "es:ESHttpPost", "es:ESHttpDelete"],
              Resource: pulumi.interpolate`${args.domain.arn}/*`,
            },
          ],
        }),
      },
      parent,
    );
    // Network interfaces in the VPC and its own log stream: CreateFunction checks the ENI rights up front.
    const vpcAccess = new aws.iam.RolePolicyAttachment(
      `${name}-vpc-access`,
      { role: adminRole.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole" },
      parent,
    );
    const egress = new aws.vpc.SecurityGroupEgressRule(
      `${name}-to-search`,
      {
        securityGroupId: args.functionGroup.id,
        referencedSecurityGroupId: args.domainGroupId,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "search-security function to the OpenSearch domain",
        tags: context.tags(),
      },
      parent,
    );
    const logs = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/aws/lambda/${functionName}`, retentionInDays: args.logRetentionDays ?? 14, tags: context.tags() },
      parent,
    );

    const code = searchSecurityCode();
    const fn = new aws.lambda.Function(
      `${name}-function`,
      {
        name: functionName,
        description: "Applies the StoryForge OpenSearch roles and role mappings (fine-grained access control)",
        role: adminRole.arn,
        runtime: LAMBDA_RUNTIME,
        architectures: ["arm64"],
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(code) }),
        timeout: 60,
        memorySize: 256,
        vpcConfig: { subnetIds: args.subnetIds, securityGroupIds: [args.functionGroup.id] },
        loggingConfig: { logFormat: "Text", logGroup: logs.name },
        tags: context.tags(),
      },
      { parent: this, dependsOn: [vpcAccess, logs] },
    );

    const event = pulumi
      .all([args.domain.endpoint, args.clientRoleArn])
      .apply(([endpoint, clientRoleArn]): SecurityEvent => ({
        endpoint,
        region: context.config.region,
        requests: searchSecurityRequests({ clientRoleArn }),
      }));
    const input = event.apply((e) => JSON.stringify(e));
    const digest = (text: string) => createHash("sha256").update(text).digest("hex");
    this.invocation = new aws.lambda.Invocation(
      `${name}-apply`,
      {
        functionName: fn.name,
        input,
        // A new payload or new code runs it again (CREATE_ONLY: once per create or replacement).
        triggers: { input: input.apply(digest), code: digest(code) },
      },
      { parent: this, dependsOn: [httpPolicy, egress, ...args.domainAccess] },
    );
    this.registerOutputs({ functionName: fn.name });
  }
}

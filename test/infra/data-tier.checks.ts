/**
 * Issue 12's data tier, network and least-privilege rules as predicates over one tier's offline plan. Each rule is
 * one that terraform-provider-aws or the AWS API enforces at deploy time (named in the test), so a plan that breaks
 * it would fail a real `pulumi up` or lose data on a delete. The foundation tests call `dataTierSuite` (one plan
 * per file: the Pulumi runtime is global).
 */
import { createHash } from "node:crypto";
import * as harness from "../../tools/plan/harness";
import { type Plan } from "../../tools/plan/harness";
import { mockRegionZones, RESOURCE_STATE } from "../../tools/plan/mocks";
import { RDS_CA_BUNDLE_SHA256, RDS_CA_FILE } from "../../infra/lib/db-roles";
import { LAMBDA_RUNTIME_DEPRECATION } from "../../infra/components/search-security";
import { type Inputs, inputs, ofType, one, T } from "../support/plan";
import { TIERS, type TierName } from "../../stacks/tiers";
import { readStackFile } from "../../tools/plan/stack-files";

const ENV = { region: "us-east-1" };
const ROLE = "aws:iam/role:Role";
const JOB = "kubernetes:batch/v1:Job";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

/**
 * The confused-deputy keys each service principal of the program sends, per its own guide; a key a service does
 * not send would make every request fail the condition, so those without any are listed with the reason.
 */
const DEPUTY_KEYS: Record<string, string[]> = {
  "vpc-flow-logs.amazonaws.com": ["aws:SourceAccount", "aws:SourceArn"],
  "monitoring.rds.amazonaws.com": ["aws:SourceAccount", "aws:SourceArn"],
  "es.amazonaws.com": ["aws:SourceAccount", "aws:SourceArn"],
  "lambda.amazonaws.com": ["aws:SourceAccount"],
  // The OAC bucket policy (cdn.ts) conditions on the distribution's ARN.
  "cloudfront.amazonaws.com": ["AWS:SourceArn"],
  // EC2 role assumption carries no source context; EKS's cluster-role guide documents no such keys.
  "ec2.amazonaws.com": [],
  "eks.amazonaws.com": [],
  // Alarm topics (alerting.ts): CloudWatch on the topic and its key; AMP's Alertmanager on the topic policy.
  "cloudwatch.amazonaws.com": ["aws:SourceAccount", "aws:SourceArn"],
  "aps.amazonaws.com": ["AWS:SourceAccount", "aws:SourceArn"],
};

/**
 * Statements whose service sends no source keys where they are used: AMP's use of the alarm topics' key (the AMP
 * guide's key statement has none; its topic policy statement is scoped to the workspace and checked above).
 */
const NO_SOURCE_KEYS = new Set(["aps.amazonaws.com kms:Decrypt"]);

interface Statement {
  Principal?: { Service?: string | string[] };
  Action?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every policy document in the plan: role trust, log resource policies, bucket and domain policies. */
function policyStatements(plan: Plan): Array<{ resource: string; statement: Statement }> {
  const out: Array<{ resource: string; statement: Statement }> = [];
  for (const r of plan.resources) {
    const i = inputs(r);
    for (const doc of [i.assumeRolePolicy, i.policyDocument, i.policy, i.accessPolicies]) {
      if (typeof doc !== "string" || !doc.startsWith("{")) continue;
      const statements = (JSON.parse(doc) as { Statement?: Statement[] }).Statement ?? [];
      for (const statement of statements) out.push({ resource: r.name, statement });
    }
  }
  return out;
}

/**
 * Resource options (protect, retainOnDelete, ignoreChanges, dependsOn) and dependencies are in the plan once the
 * harness runs the program through the CLI's program runner (branch `deploy`, issue 11); until then the checks that
 * read them are skipped, visibly.
 */
const PLAN_HAS_OPTIONS = "runProgram" in harness;
const withOptions = PLAN_HAS_OPTIONS ? test : test.skip;
const named = (plan: Plan, name: string): Inputs => {
  const found = plan.resources.filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
  return found[0];
};
const options = (plan: Plan, name: string): Inputs => named(plan, name).options;
const dependencies = (plan: Plan, name: string): string[] => named(plan, name).dependencies;

export function dataTierSuite(stack: TierName, plan: () => Plan): void {
  const tier = TIERS[stack];
  const instances = () => ofType(plan(), T.rds).map(inputs);
  const primary = () => instances().find((i) => i.replicateSourceDb === undefined)!;
  const replicas = () => instances().filter((i) => i.replicateSourceDb !== undefined);
  const pinned = readStackFile(stack).values["storyforge:zoneIds"] as string[];

  describe(`${stack}: network (issue 12)`, () => {
    test("subnets are placed by zone id, never by per-account zone name, in the stack's pinned zones", () => {
      const subnets = ofType(plan(), T.subnet).map(inputs);
      expect(subnets.every((s) => s.availabilityZone === undefined)).toBe(true);
      expect([...new Set(subnets.map((s) => s.availabilityZoneId))].sort()).toEqual([...pinned].sort());
    });

    test("no subnet is in a zone without the node classes' capacity (use1-az3 offers no Graviton)", () => {
      // By id, or by the name the mocked account maps to use1-az3.
      const zones = mockRegionZones("us-east-1");
      const idOf = (s: Inputs) => s.availabilityZoneId ?? zones.zoneIds[zones.names.indexOf(s.availabilityZone)];
      expect(ofType(plan(), T.subnet).map((s) => idOf(inputs(s)))).not.toContain("use1-az3");
    });

    test("the VPC's default security group is stripped of every rule", () => {
      const group = inputs(one(plan(), "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"));
      expect(group.vpcId).toBe("network-vpc-id");
      expect(group.ingress ?? []).toEqual([]);
      expect(group.egress ?? []).toEqual([]);
    });

    test("no security group's description names a port or a traffic source (description is ForceNew under a fixed name)", () => {
      const rules = [
        ...ofType(plan(), T.ingress),
        ...ofType(plan(), "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"),
      ];
      for (const group of ofType(plan(), T.sg)) {
        const description = String(inputs(group).description);
        expect([group.name, /\b\d{2,5}\b/.test(description)]).toEqual([group.name, false]);
        for (const rule of rules.map(inputs).filter((r) => r.securityGroupId === `${group.name}-id`)) {
          const source = /\bfrom (\S+)$/.exec(String(rule.description))?.[1];
          if (source !== undefined) expect([group.name, description.includes(source)]).toEqual([group.name, false]);
        }
      }
    });
  });

  describe(`${stack}: PostgreSQL survives deploys and deletes (issue 12)`, () => {
    test("a same-region read replica names no kmsKeyId (CreateDBInstanceReadReplica: InvalidParameterCombination)", () => {
      expect(replicas().length).toBe(tier.database.replicas.count);
      for (const r of replicas()) expect(r.kmsKeyId).toBeUndefined();
      expect(primary().kmsKeyId).toBe("arn:aws:kms:us-east-1:123456789012:key/database-key");
    });

    test("every read replica autoscales its storage to the primary's ceiling (a full replica stops replicating)", () => {
      expect(primary().maxAllocatedStorage).toBeGreaterThanOrEqual(Math.ceil(primary().allocatedStorage * 1.1));
      for (const r of replicas()) expect(r.maxAllocatedStorage).toBe(primary().maxAllocatedStorage);
    });

    test("the primary keeps its data on delete: deletion protection, a final snapshot, retained automated backups", () => {
      expect(primary()).toMatchObject({
        deletionProtection: true,
        skipFinalSnapshot: false,
        deleteAutomatedBackups: false,
      });
    });

    test("final snapshot names are new for every stack generation, and stable across updates (a RandomId suffix)", () => {
      const id = String(primary().identifier);
      expect(primary().finalSnapshotIdentifier).toMatch(new RegExp(`^${id}-final-[0-9a-f]{8}$`));
      const suffix = inputs(one(plan(), "random:index/randomId:RandomId", "database-final-snapshot-suffix"));
      expect(suffix).toMatchObject({ byteLength: 4, keepers: { identifier: id } });
    });

    test("secrets are created by name prefix, so a rebuilt stack never meets a secret pending deletion", () => {
      for (const s of ofType(plan(), T.secret).map(inputs)) {
        expect(s.name).toBeUndefined();
        expect(s.namePrefix).toMatch(new RegExp(`^storyforge/${stack}/[a-z-]+-$`));
      }
    });
  });

  describe(`${stack}: Redis and OpenSearch survive deletes (issue 12)`, () => {
    // v1 and v2: the queue holds jobs in flight (issue 12); mvp may lose it and tears down in one command.
    const redisSnapshot = stack !== "mvp";
    test(`Redis ${redisSnapshot ? "takes" : "skips"} a final snapshot named per stack generation`, () => {
      expect(tier.cache.finalSnapshot).toBe(redisSnapshot);
      const group = inputs(one(plan(), T.redis));
      if (redisSnapshot) {
        expect(group.finalSnapshotIdentifier).toMatch(new RegExp(`^${group.replicationGroupId}-final-[0-9a-f]{8}$`));
      } else {
        expect(group.finalSnapshotIdentifier).toBeUndefined();
      }
    });

    if (tier.search !== null) {
      const search = tier.search;
      test("OpenSearch runs dedicated coordinators per the tier and a multiple of the zones of data nodes", () => {
        const cluster = inputs(one(plan(), T.search)).clusterConfig;
        expect(cluster.instanceCount % cluster.zoneAwarenessConfig.availabilityZoneCount).toBe(0);
        expect(cluster.multiAzWithStandbyEnabled).toBe(false);
        if (search.coordinatorNodes === 0) expect(cluster.nodeOptions).toBeUndefined();
        else {
          expect(cluster.nodeOptions).toEqual([
            {
              nodeType: "coordinator",
              nodeConfig: { enabled: true, count: search.coordinatorNodes, type: search.coordinatorInstanceClass },
            },
          ]);
          expect(search.coordinatorNodes % cluster.zoneAwarenessConfig.availabilityZoneCount).toBe(0);
        }
      });
    }
  });

  describe(`${stack}: what a delete or a replacement may not take (issue 12, resource options)`, () => {
    withOptions("the primary, and at v1/v2 Redis and OpenSearch, are protected from pulumi destroy", () => {
      expect(options(plan(), "database-primary").protect).toBe(true);
      expect(options(plan(), "cache-redis").protect).toBe(stack !== "mvp");
      if (tier.search !== null) expect(options(plan(), "search-domain").protect).toBe(true);
    });

    withOptions(
      "a KMS key that encrypts a final snapshot outlives the stack (ScheduleKeyDeletion would orphan it)",
      () => {
        expect(options(plan(), "database-key").retainOnDelete).toBe(true);
        expect(options(plan(), "cache-key").retainOnDelete).toBe(stack !== "mvp");
      },
    );

    withOptions("a changed zone choice never replaces an RDS instance (availability_zone is ForceNew)", () => {
      for (const r of ofType(plan(), T.rds))
        expect([r.name, options(plan(), r.name).ignoreChanges]).toEqual([r.name, ["availabilityZone"]]);
    });

    withOptions(
      "the master password reaches RDS, its Secrets Manager copy and the bootstrap Job's Secret, nothing else",
      () => {
        const users = plan()
          .resources.filter((r) => dependencies(plan(), r.name).includes("database-master-password"))
          .map((r) => r.name)
          .sort();
        expect(users).toEqual(["database-access-secret", "database-master-secret-value", "database-primary"]);
      },
    );

    withOptions("the migrations wait for the db-bootstrap Job, which creates the roles they log in as", () => {
      expect(dependencies(plan(), "workloads-migrate")).toContain("database-access-bootstrap");
    });

    if (tier.search !== null) {
      withOptions(
        "the OpenSearch security function runs only after its HTTP permission, its network path both ways and the domain's access policy exist",
        () => {
          expect(dependencies(plan(), "search-security-apply")).toEqual(
            expect.arrayContaining([
              "search-security-http-policy",
              "search-security-to-search",
              "search-domain",
              // the domain's side: its ingress rule from the function's group and its policy naming the master role
              "search-from-search-admin",
              "search-access",
            ]),
          );
        },
      );
    }
  });

  describe(`${stack}: least privilege (issue 12)`, () => {
    test("service-principal trust and resource policies carry the confused-deputy keys their service sends", () => {
      const seen = new Set<string>();
      for (const { resource, statement } of policyStatements(plan())) {
        const services = [statement.Principal?.Service ?? []].flat();
        for (const service of services) {
          expect([resource, service, service in DEPUTY_KEYS]).toEqual([resource, service, true]);
          seen.add(service);
          if (NO_SOURCE_KEYS.has(`${service} ${[statement.Action ?? []].flat()[0]}`)) continue;
          const keys = Object.values(statement.Condition ?? {}).flatMap((c) => Object.keys(c));
          expect([resource, service, keys.sort()]).toEqual([resource, service, [...DEPUTY_KEYS[service]].sort()]);
        }
      }
      expect(seen).toContain("vpc-flow-logs.amazonaws.com");
      expect(seen).toContain("monitoring.rds.amazonaws.com");
    });

    test("the migrations and PgBouncer verify the primary against the pinned RDS CA bundle", () => {
      const bundles = ofType(plan(), CONFIG_MAP)
        .map(inputs)
        .filter((c) => c.data?.[RDS_CA_FILE] !== undefined);
      expect(bundles.map((c) => `${c.metadata.namespace}/${c.metadata.name}`).sort()).toEqual([
        "storyforge-bootstrap/db-bootstrap",
        "storyforge/pgbouncer-config",
        "storyforge/rds-ca",
      ]);
      for (const c of bundles) {
        expect(createHash("sha256").update(c.data[RDS_CA_FILE]).digest("hex")).toBe(RDS_CA_BUNDLE_SHA256);
      }
      const pgbouncer = bundles.find((c) => c.metadata.name === "pgbouncer-config")!;
      expect(pgbouncer.data["pgbouncer.ini"]).toContain("\nserver_tls_sslmode = verify-full\n");
      const migrate = ofType(plan(), JOB)
        .map(inputs)
        .find((j) => j.metadata.name.startsWith("migrate-"))!;
      const pod = migrate.spec.template.spec;
      expect(pod.volumes).toContainEqual({ name: "rds-ca", configMap: { name: "rds-ca" } });
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: "rds-ca", mountPath: "/etc/rds", readOnly: true });
    });

    test("only the db-bootstrap Job logs in as the master, in a namespace of its own, over verified TLS", () => {
      const jobs = ofType(plan(), JOB).map(inputs);
      const bootstrap = jobs.filter((j) => j.metadata.name.startsWith("db-bootstrap-"));
      expect(bootstrap).toHaveLength(1);
      const [job] = bootstrap;
      expect(job.metadata.namespace).toBe("storyforge-bootstrap");
      const container = job.spec.template.spec.containers[0];
      const env = Object.fromEntries(container.env.map((e: Inputs) => [e.name, e.value ?? e.valueFrom]));
      expect(env).toMatchObject({
        PGUSER: "storyforge_admin",
        PGSSLMODE: "verify-full",
        PGSSLROOTCERT: `/etc/rds/${RDS_CA_FILE}`,
        PGPASSWORD: { secretKeyRef: { name: "db-bootstrap", key: "PGPASSWORD" } },
      });
      expect(container.command).toEqual([
        "psql",
        "-X",
        "-v",
        "ON_ERROR_STOP=1",
        "--single-transaction",
        "-f",
        "/etc/db-bootstrap/db-bootstrap.sql",
      ]);
      // No other workload is handed the master user's name.
      for (const other of jobs.filter((j) => j !== job))
        expect(JSON.stringify(other)).not.toContain("storyforge_admin");
      for (const d of ofType(plan(), "kubernetes:apps/v1:Deployment")) {
        expect(JSON.stringify(inputs(d))).not.toContain("storyforge_admin");
      }
    });

    if (tier.search !== null) {
      test("OpenSearch's master user is an admin role no pod can assume; the app's role is mapped to an index-scoped role", () => {
        const domain = inputs(one(plan(), T.search));
        const arnOf = (name: string) => {
          const role = one(plan(), ROLE, name);
          return RESOURCE_STATE[ROLE](inputs(role), role.name, ENV).arn as string;
        };
        expect(domain.advancedSecurityOptions.masterUserOptions.masterUserArn).toBe(arnOf("search-admin-role"));
        const trust = String(inputs(one(plan(), ROLE, "search-admin-role")).assumeRolePolicy);
        expect(trust).not.toMatch(/oidc-provider|Federated|AssumeRoleWithWebIdentity/);
        const invocation = inputs(one(plan(), "aws:lambda/invocation:Invocation"));
        const event = JSON.parse(invocation.input);
        expect(event.requests.map((r: Inputs) => `${r.method} ${r.path}`)).toEqual([
          "PUT /_plugins/_security/api/roles/storyforge_app",
          "PUT /_plugins/_security/api/rolesmapping/storyforge_app",
        ]);
        expect(event.requests[1].body.backend_roles).toEqual([arnOf("search-client-role")]);
        expect(event.endpoint).toBe(RESOURCE_STATE[T.search](domain, "search-domain", ENV).endpoint);
      });

      test("the OpenSearch security function's runtime stays updatable for at least half a year (Lambda runtime deprecation)", () => {
        const runtime = String(inputs(one(plan(), "aws:lambda/function:Function")).runtime);
        const deprecated = LAMBDA_RUNTIME_DEPRECATION[runtime];
        expect([runtime, deprecated]).toEqual([runtime, expect.any(String)]);
        const halfYear = Date.now() + 182 * 24 * 3600 * 1000;
        expect([runtime, deprecated, Date.parse(deprecated) > halfYear]).toEqual([runtime, deprecated, true]);
      });
    }
  });
}

import * as platform from "../../policies/rules/platform";
import { outputsMasked } from "../../policies/rules/stack";
import { rdsMaxConnections } from "../../infra/lib/capacity/connections";
import { T } from "./fixtures";
import { describeResourceRule, stackViolations } from "./support";

const PARAMS = "aws:rds/parameterGroup:ParameterGroup";
const primary = {
  type: T.rds,
  name: "database-primary",
  inputs: { engine: "postgres", instanceClass: "db.m7g.2xlarge", parameterGroupName: "storyforge-v1-postgres16" },
};
const params = {
  type: PARAMS,
  name: "database-params",
  inputs: {
    name: "storyforge-v1-postgres16",
    family: "postgres16",
    parameters: [{ name: "rds.force_ssl", value: "1", applyMethod: "immediate" }],
  },
};
const withParams = (parameters: unknown[]) => ({ ...params, inputs: { ...params.inputs, parameters } });

describe("rds-force-ssl (M)", () => {
  it("passes an instance whose parameter group sets rds.force_ssl 1", () =>
    expect(stackViolations(platform.rdsForceSsl, [primary, params])).toEqual([]));
  it("fails rds.force_ssl 0", () =>
    expect(
      stackViolations(platform.rdsForceSsl, [primary, withParams([{ name: "rds.force_ssl", value: "0" }])]),
    ).toEqual([{ resource: "database-primary", message: expect.stringMatching(/sets rds\.force_ssl to "0"/) }]));
  it("fails a parameter group that leaves it unset", () =>
    expect(stackViolations(platform.rdsForceSsl, [primary, withParams([])])[0]?.message).toMatch(/\(unset: 0\)/));
  it("fails an instance on a default parameter group (Checkov passes this; the rule must not)", () =>
    expect(stackViolations(platform.rdsForceSsl, [primary])[0]?.message).toMatch(
      /names no parameter group of this stack/,
    ));
});

describeResourceRule(
  platform.eksStandardSupport,
  T.eksCluster,
  { version: "1.35", upgradePolicy: { supportType: "STANDARD" } },
  [
    ["support is EXTENDED", (p) => (p.upgradePolicy.supportType = "EXTENDED"), /supportType is "EXTENDED"/],
    ["the upgrade policy is unset (AWS applies EXTENDED)", (p) => delete p.upgradePolicy, /"\(unset: EXTENDED\)"/],
  ],
);
describeResourceRule(platform.eksSupportedVersion, T.eksCluster, { version: "1.35" }, [
  ["the version is out of standard support", (p) => (p.version = "1.28"), /runs Kubernetes "1\.28"/],
  // standard support of 1.33 ended on 2026-07-29, before the catalog's date (EKS release calendar)
  [
    "the version left standard support before the catalog's date",
    (p) => (p.version = "1.33"),
    /runs Kubernetes "1\.33"/,
  ],
]);

describe("capacity-known-instance-classes (M)", () => {
  const group = { type: T.nodeGroup, name: "cluster-worker", inputs: { instanceTypes: ["c7g.xlarge"] } };
  it("passes classes the catalog lists", () =>
    expect(stackViolations(platform.capacityKnownClasses, [group, primary])).toEqual([]));
  it("fails a node group class without capacity data, naming it", () =>
    expect(
      stackViolations(platform.capacityKnownClasses, [{ ...group, inputs: { instanceTypes: ["m6g.xlarge"] } }])[0],
    ).toEqual({
      resource: "cluster-worker",
      message: expect.stringMatching(/instance type "m6g\.xlarge" has no capacity data/),
    }));
  it("fails an RDS class without capacity data", () =>
    expect(
      stackViolations(platform.capacityKnownClasses, [
        { ...primary, inputs: { ...primary.inputs, instanceClass: "db.r6g.2xlarge" } },
      ])[0]?.message,
    ).toMatch(/instance class "db\.r6g\.2xlarge" has no capacity data/));
});

describe("capacity-connection-budget (M) reads the plan, not the program's constants", () => {
  const ini = (pool: number, extra = "") =>
    `[databases]\nstoryforge = host=db port=5432 dbname=storyforge\n\n[pgbouncer]\nmax_client_conn = 1000\ndefault_pool_size = ${pool}\nreserve_pool_size = 5\n${extra}`;
  const configMap = (pool: number, extra = "") => ({
    type: "kubernetes:core/v1:ConfigMap",
    name: "workloads-pgbouncer-config",
    inputs: {
      metadata: { name: "pgbouncer-config", namespace: "storyforge" },
      data: { "pgbouncer.ini": ini(pool, extra) },
    },
  });
  const deployment = (name: string, replicas: number | undefined, env: Array<[string, string]>) => ({
    type: T.deployment,
    name: `workloads-${name}`,
    inputs: {
      metadata: { name, namespace: "storyforge" },
      spec: {
        ...(replicas === undefined ? {} : { replicas }),
        template: { spec: { containers: [{ name, env: env.map(([n, value]) => ({ name: n, value })) }] } },
      },
    },
  });
  const hpa = {
    type: T.hpa,
    name: "workloads-api-hpa",
    inputs: {
      metadata: { name: "api", namespace: "storyforge" },
      spec: { scaleTargetRef: { kind: "Deployment", name: "api" }, minReplicas: 3, maxReplicas: 9 },
    },
  };
  const stack = (
    pool = 20,
    parameters: unknown[] = [{ name: "rds.force_ssl", value: "1" }],
    apiPool = "10",
    extra = "",
  ) => [
    primary,
    withParams(parameters),
    configMap(pool, extra),
    deployment("pgbouncer", 2, []),
    deployment("api", undefined, [["DATABASE_POOL_MAX", apiPool]]),
    hpa,
  ];
  const run = (resources: ReturnType<typeof stack>) =>
    stackViolations(platform.capacityConnectionBudget, resources, { tier: "v1" });
  const classMax = rdsMaxConnections("db.m7g.2xlarge");

  it("passes the shipped pools against the class default", () => expect(run(stack())).toEqual([]));
  it("fails a parameter group max_connections below PgBouncer's pools", () =>
    expect(run(stack(20, [{ name: "max_connections", value: "40" }]))).toEqual([
      {
        resource: "database-primary",
        message: expect.stringMatching(
          /PgBouncer 2 × pool 25 \(default_pool_size 20 \+ reserve_pool_size 5\) = 50 server connections ≥ max_connections 40 \(parameter group "database-params"\) − reserve 10 = 30/,
        ),
      },
    ]));
  it("fails a pool raised in the ConfigMap past the class default", () =>
    expect(run(stack(2000))[0]?.message).toMatch(
      new RegExp(`= 4010 server connections ≥ max_connections ${classMax}`),
    ));
  it("honours max_db_connections as the cap on each pool", () =>
    expect(run(stack(2000, undefined, "10", "max_db_connections = 25\n"))).toEqual([]));
  it("reads an RDS formula for max_connections", () =>
    expect(
      run(stack(20, [{ name: "max_connections", value: "LEAST({DBInstanceClassMemory/9531392},40)" }]))[0]?.message,
    ).toMatch(/≥ max_connections 40/));
  it("fails client pools at the autoscaler maximum above max_client_conn × replicas", () =>
    expect(run(stack(20, undefined, "200"))).toEqual([
      {
        resource: "workloads-pgbouncer-config",
        message: expect.stringMatching(
          /pgbouncer clients: api 9 pods × 400 = 3600 > PgBouncer 2 × max_client_conn 1000 = 2000/,
        ),
      },
    ]));
  it("reports a max_connections it cannot read instead of throwing", () =>
    expect(run(stack(20, [{ name: "max_connections", value: "{DBInstanceClassMemory*2}" }]))[0]?.message).toMatch(
      /cannot size the connection budget: max_connections .* is not an integer or an RDS formula/,
    ));
});

describe("stack-outputs-secret-masked (M)", () => {
  const root = (outputs: unknown) => [{ type: "pulumi:pulumi:Stack", name: "storyforge-v1", inputs: { outputs } }];
  const shipped = {
    postgres: { username: "storyforge_admin", secretArn: "arn:aws:secretsmanager:us-east-1:1:secret:db" },
    secrets: "[secret]",
  };
  it("passes masked secrets and references to where secrets live (secretArn)", () =>
    expect(stackViolations(outputsMasked, root(shipped))).toEqual([]));
  it("fails a secret-named output in clear", () =>
    expect(
      stackViolations(outputsMasked, root({ ...shipped, redis: { authToken: "abc123abc123" } }))[0]?.message,
    ).toMatch(/outputs\.redis\.authToken is not a secret output/));
  it("fails a connection URL with its password, whatever its key", () =>
    expect(
      stackViolations(outputsMasked, root({ ...shipped, app: { endpoint: "postgres://u:hunter2@db/storyforge" } }))[0]
        ?.message,
    ).toMatch(/outputs\.app\.endpoint holds a credential in clear/));
});

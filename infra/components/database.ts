import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type StackContext } from "../lib/context";
import { NAME_LIMITS } from "../lib/naming";
import { serviceTrustPolicy } from "../lib/trust";
import { encryptionKey, serviceSecurityGroup, type TrafficSource } from "./access";
import { type Network } from "./network";

export const POSTGRES_PORT = 5432;
export const POSTGRES_MAJOR = "16";
export const DATABASE_NAME = "storyforge";
export const MASTER_USERNAME = "storyforge_admin";

/** The component's own arguments, checked before anything is declared; each problem names its argument. */
export function databaseArgsProblems(a: {
  replicas: number;
  maxStorageFactor: number;
  monitoringInterval: number;
  logRetentionDays: number;
}): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(a.logRetentionDays) || a.logRetentionDays < 1) {
    problems.push(`logRetentionDays must be a positive whole number, got ${a.logRetentionDays}`);
  }
  if (!Number.isInteger(a.replicas) || a.replicas < 0 || a.replicas > 5) {
    problems.push(`database.replicas.count must be between 0 and 5, got ${a.replicas}`);
  }
  // RDS User Guide (USER_PIOPS.Autoscaling): the maximum storage threshold must be at least 10 % above the
  // allocated storage, or the API answers "Invalid max storage size".
  if (!(a.maxStorageFactor >= 1.1)) {
    problems.push(
      `maxStorageFactor must be at least 1.1 (RDS needs the autoscaling ceiling 10 % above the allocated storage), got ${a.maxStorageFactor}`,
    );
  }
  if (![0, 1, 5, 10, 15, 30, 60].includes(a.monitoringInterval)) {
    problems.push(`monitoringIntervalSeconds must be one of 0, 1, 5, 10, 15, 30, 60, got ${a.monitoringInterval}`);
  }
  return problems;
}

export interface DatabaseArgs {
  /** Stack context; sizing from `tier.database` (class, storage, replicas, Multi-AZ, backups, protection). */
  context: StackContext;
  /** The VPC: the instances live in its data subnets. */
  network: Network;
  /**
   * Security groups allowed to connect on 5432, in addition to the network's workload group.
   * @default []
   */
  extraSources?: TrafficSource[];
  /**
   * Storage autoscaling ceiling as a multiple of the allocated storage, for the primary and every replica. At
   * least 1.1: RDS takes a maximum storage threshold only 10 % or more above the allocated storage.
   * @default 2
   */
  maxStorageFactor?: number;
  /**
   * Enhanced Monitoring interval in seconds (0 turns it off).
   * @default 60
   */
  monitoringIntervalSeconds?: number;
  /** Days CloudWatch keeps the logs RDS exports (postgresql, upgrade); default 30, as the cluster's. */
  logRetentionDays?: number;
}

/**
 * PostgreSQL 16 on RDS: the primary (gp3, KMS-encrypted, private, Multi-AZ per tier, Performance Insights,
 * pg_stat_statements) and the tier's read replicas (seed 000 §3.1), each replica in a zone of its own, created
 * with `replicateSourceDb`. The master password comes from `@pulumi/random`, stays a secret and is stored in
 * Secrets Manager.
 *
 * Monthly cost (us-east-1 on-demand, 730 h): mvp db.m7g.xlarge single-AZ + 1 replica + 500 GB ≈ $600;
 * v1 db.m7g.2xlarge Multi-AZ + 2 × db.m7g.xlarge + 1 TB Multi-AZ ≈ $2,300; v2 db.m7g.4xlarge Multi-AZ +
 * 3 × db.m7g.2xlarge + 2 TB Multi-AZ ≈ $5,300 (see `npm run cost`).
 */
export class Database extends pulumi.ComponentResource {
  /** Primary's DNS name: writes and migrations connect here (PgBouncer's `storyforge` database). */
  readonly primaryAddress: pulumi.Output<string>;
  /** Replicas' DNS names, one per replica (PgBouncer's `storyforge_replica` database spreads over them). */
  readonly replicaAddresses: pulumi.Output<string>[];
  readonly port = POSTGRES_PORT;
  readonly databaseName = DATABASE_NAME;
  readonly masterUsername = MASTER_USERNAME;
  /** The master password, a Pulumi secret. */
  readonly masterPassword: pulumi.Output<string>;
  /** Secrets Manager secret holding `{username, password, host, port, dbname}`. */
  readonly secretArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  /** The primary, for components that need more of it. */
  readonly primary: aws.rds.Instance;
  readonly replicas: aws.rds.Instance[];
  /** RDS instance class of the primary (the capacity check reads its max_connections). */
  readonly primaryInstanceClass: string;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:data:Database", name, {}, opts);
    const { context, network } = args;
    const spec = context.config.tier.database;
    const zones = context.config.tier.network.azCount;
    const maxStorageFactor = args.maxStorageFactor ?? 2;
    const monitoringInterval = args.monitoringIntervalSeconds ?? 60;
    const logRetentionDays = args.logRetentionDays ?? 30;
    const problems = databaseArgsProblems({
      replicas: spec.replicas.count,
      maxStorageFactor,
      monitoringInterval,
      logRetentionDays,
    });
    if (problems.length > 0) throw new Error(problems.join("\n"));
    const parent = { parent: this };
    this.primaryInstanceClass = spec.primary.instanceClass;
    const region = context.config.region;
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const partition = aws.getPartitionOutput({}, parent).partition;

    const key = encryptionKey(name, context, "database", this, { outlivesStack: spec.finalSnapshot });
    const { group: securityGroup } = serviceSecurityGroup(name, {
      context,
      vpcId: network.vpcId,
      part: "database",
      port: POSTGRES_PORT,
      sources: [
        { label: "workloads", securityGroupId: network.workloadSecurityGroup.id },
        ...(args.extraSources ?? []),
      ],
      parent: this,
    });
    this.securityGroupId = securityGroup.id;

    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      {
        name: context.name("database"),
        subnetIds: network.dataSubnetIds,
        description: "StoryForge PostgreSQL: isolated data subnets",
        tags: context.tags(),
      },
      parent,
    );

    const parameters = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        name: context.name("postgres16"),
        family: `postgres${POSTGRES_MAJOR}`,
        description: "StoryForge PostgreSQL 16: pg_stat_statements, TLS only, slow-query logging",
        parameters: [
          { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
          { name: "pg_stat_statements.track", value: "top", applyMethod: "immediate" },
          { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
          // Queries slower than 1 s are logged (seed 001 sets a 5 s query timeout; this shows what approaches it).
          { name: "log_min_duration_statement", value: "1000", applyMethod: "immediate" },
          // Replicas answer long reads instead of cancelling them on conflicting vacuum.
          { name: "hot_standby_feedback", value: "1", applyMethod: "immediate" },
        ],
        tags: context.tags(),
      },
      parent,
    );

    const password = new random.RandomPassword(
      `${name}-master-password`,
      {
        length: 40,
        // RDS forbids / @ " and space in master passwords; letters and digits keep it simple to quote anywhere.
        special: false,
      },
      parent,
    );
    this.masterPassword = pulumi.secret(password.result);

    const monitoringRole =
      monitoringInterval > 0
        ? new aws.iam.Role(
            `${name}-monitoring-role`,
            {
              name: context.name("rds-monitoring", NAME_LIMITS.iamRole),
              // RDS User Guide, "Setting up and enabling Enhanced Monitoring": both keys, the instances' ARNs.
              assumeRolePolicy: pulumi.jsonStringify(
                serviceTrustPolicy("monitoring.rds.amazonaws.com", {
                  sourceAccount: account,
                  sourceArn: pulumi.interpolate`arn:${partition}:rds:${region}:${account}:db:${context.name("postgres", NAME_LIMITS.rds)}*`,
                }),
              ),
              tags: context.tags(),
            },
            parent,
          )
        : undefined;
    if (monitoringRole) {
      new aws.iam.RolePolicyAttachment(
        `${name}-monitoring-policy`,
        {
          role: monitoringRole.name,
          policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        },
        parent,
      );
    }

    // Settings the primary and the replicas share. Not `kmsKeyId`: a same-region replica is encrypted with its
    // source's key, and CreateDBInstanceReadReplica given one answers InvalidParameterCombination ("Your request
    // does not require the KMS key parameter"); terraform passes `kms_key_id` straight through for a replica.
    const common = {
      instanceClass: spec.primary.instanceClass,
      storageType: "gp3",
      // Stated for review; the replica create ignores it and reads back its source's encryption.
      storageEncrypted: true,
      publiclyAccessible: false,
      vpcSecurityGroupIds: [securityGroup.id],
      parameterGroupName: parameters.name,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: key.arn,
      performanceInsightsRetentionPeriod: 7,
      monitoringInterval,
      monitoringRoleArn: monitoringRole?.arn,
      enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
      caCertIdentifier: "rds-ca-rsa2048-g1",
    };

    // RDS creates the groups it exports logs to with no retention (kept and billed forever); ours come first, with it.
    const exportLogGroups = (id: string, resource: string) =>
      common.enabledCloudwatchLogsExports.map(
        (type) =>
          new aws.cloudwatch.LogGroup(
            `${resource}-${type}-logs`,
            { name: `/aws/rds/instance/${id}/${type}`, retentionInDays: logRetentionDays, tags: context.tags() },
            parent,
          ),
      );

    const primaryId = context.name("postgres", NAME_LIMITS.rds);
    const maxAllocatedStorage = Math.round(spec.primary.storageGb * maxStorageFactor);
    // A final snapshot's name must be new in the account; one per stack generation, stable across updates (a new
    // value every run would be a diff every run), new when the stack is destroyed and built again.
    const generation = new random.RandomId(
      `${name}-final-snapshot-suffix`,
      { byteLength: 4, keepers: { identifier: primaryId } },
      parent,
    );
    // RDS moves an instance between zones only by failover or restore; a changed zone choice must not replace it.
    const zonePinned = { ignoreChanges: ["availabilityZone"] };
    this.primary = new aws.rds.Instance(
      `${name}-primary`,
      {
        ...common,
        identifier: primaryId,
        engine: "postgres",
        engineVersion: POSTGRES_MAJOR,
        kmsKeyId: key.arn,
        allocatedStorage: spec.primary.storageGb,
        maxAllocatedStorage,
        dbName: DATABASE_NAME,
        username: MASTER_USERNAME,
        password: this.masterPassword,
        dbSubnetGroupName: subnetGroup.name,
        multiAz: spec.multiAz,
        // AWS picks the standby's zone for Multi-AZ; a single-AZ primary sits in the first zone.
        availabilityZone: spec.multiAz ? undefined : network.zones[0],
        backupRetentionPeriod: spec.backupRetentionDays,
        backupWindow: "03:00-04:00",
        maintenanceWindow: "sun:04:30-sun:05:30",
        deletionProtection: spec.deletionProtection,
        skipFinalSnapshot: !spec.finalSnapshot,
        finalSnapshotIdentifier: spec.finalSnapshot
          ? pulumi.interpolate`${primaryId}-final-${generation.hex}`
          : undefined,
        // The provider's default (true) deletes the automated backups with the instance.
        deleteAutomatedBackups: !spec.finalSnapshot,
        tags: context.tags({ Name: primaryId, role: "primary" }),
      },
      {
        parent: this,
        protect: spec.deletionProtection,
        ...zonePinned,
        dependsOn: exportLogGroups(primaryId, `${name}-primary`),
      },
    );
    this.primaryAddress = this.primary.address;

    // Replicas start in the zone after the primary's, so with the tier's zones every replica is elsewhere. They are
    // created one after another: each creation snapshots the primary, and RDS refuses a new replica of a source that
    // is busy with the last one ("InvalidDBInstanceState: DB instance is not in the available state" when replicas
    // are created in parallel, hashicorp/terraform-provider-aws#43474), which would fail a first deploy.
    this.replicas = [];
    for (let i = 0; i < spec.replicas.count; i++) {
      const id = context.name(`postgres-replica-${i + 1}`, NAME_LIMITS.rds);
      const previous = this.replicas[i - 1];
      this.replicas.push(
        new aws.rds.Instance(
          `${name}-replica-${i + 1}`,
          {
            ...common,
            identifier: id,
            instanceClass: spec.replicas.instanceClass,
            replicateSourceDb: this.primary.identifier,
            availabilityZone: network.zones[(i + 1) % zones],
            // A replica inherits the primary's storage at creation only; it must grow as the primary does, or it
            // fills up and stops replicating (terraform applies this with a ModifyDBInstance after the create).
            maxAllocatedStorage,
            // Backups come from the primary; a replica keeps none and is rebuilt from it.
            backupRetentionPeriod: 0,
            skipFinalSnapshot: true,
            tags: context.tags({ Name: id, role: "replica" }),
          },
          {
            ...parent,
            ...zonePinned,
            dependsOn: [
              ...(previous === undefined ? [] : [previous]),
              ...exportLogGroups(id, `${name}-replica-${i + 1}`),
            ],
          },
        ),
      );
    }
    this.replicaAddresses = this.replicas.map((r) => r.address);

    const secret = new aws.secretsmanager.Secret(
      `${name}-master-secret`,
      {
        // A prefix, not a name: a deleted secret keeps its name for the 30-day recovery window, and a stack
        // rebuilt within it would collide (InvalidRequestException: scheduled for deletion). Consumers use the ARN.
        namePrefix: `storyforge/${context.config.stack}/postgres-master-`,
        description: "StoryForge PostgreSQL master credentials",
        kmsKeyId: key.arn,
        recoveryWindowInDays: 30,
        tags: context.tags(),
      },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-master-secret-value`,
      {
        secretId: secret.id,
        secretString: pulumi.secret(
          pulumi.jsonStringify({
            username: MASTER_USERNAME,
            password: this.masterPassword,
            host: this.primary.address,
            port: POSTGRES_PORT,
            dbname: DATABASE_NAME,
          }),
        ),
      },
      parent,
    );
    this.secretArn = secret.arn;

    this.registerOutputs({
      primaryAddress: this.primaryAddress,
      replicaAddresses: this.replicaAddresses,
      secretArn: this.secretArn,
      securityGroupId: this.securityGroupId,
    });
  }
}

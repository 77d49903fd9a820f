import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type StackContext } from "../lib/context";
import { NAME_LIMITS } from "../lib/naming";
import { encryptionKey, serviceSecurityGroup, type TrafficSource } from "./access";
import { type Network } from "./network";

export const REDIS_PORT = 6379;

export interface CacheArgs {
  /** Stack context; sizing from `tier.cache` (node type, shards, replicas per shard). */
  context: StackContext;
  /** The VPC: nodes live in its data subnets. */
  network: Network;
  /**
   * Security groups allowed to connect on 6379, in addition to the network's workload group.
   * @default []
   */
  extraSources?: TrafficSource[];
  /**
   * Days of daily snapshots kept (policy: at least 1 at v1 and v2).
   * @default 1 for mvp, 7 above
   */
  snapshotRetentionDays?: number;
}

/**
 * Redis 7 on ElastiCache, cluster mode enabled: the job queue (BullMQ, keys under the `{storyforge}` hash tag),
 * the cache of seed 000 §2.2 and the rate-limit counters. Automatic failover and Multi-AZ with at least one
 * replica per shard; TLS in transit with an AUTH token (a Pulumi secret); encryption at rest with its own key;
 * `maxmemory-policy noeviction`, because an evicted queue key is a lost job.
 *
 * With `tier.cache.finalSnapshot` (v1, v2) deleting the group takes a final snapshot, the group is `protect`ed and
 * its KMS key outlives the stack, so the snapshot stays restorable.
 *
 * Monthly cost (us-east-1 on-demand, 730 h): mvp 2 × cache.m7g.large ≈ $230; v1 3 × cache.m7g.xlarge ≈ $690;
 * v2 6 × cache.r7g.xlarge ≈ $1,880.
 */
export class Cache extends pulumi.ComponentResource {
  /** Cluster configuration endpoint: clients discover every shard from it. */
  readonly configurationEndpoint: pulumi.Output<string>;
  /** The replication group's id: its member clusters (one per node) are `<id>-<shard>-<node>` (the alarms' dimension). */
  readonly replicationGroupId: pulumi.Output<string>;
  readonly port = REDIS_PORT;
  /** AUTH token, a Pulumi secret. */
  readonly authToken: pulumi.Output<string>;
  /** Secrets Manager secret holding `{host, port, authToken}`. */
  readonly secretArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  /** Node type and topology, for capacity and cost reviews. */
  readonly nodeType: string;
  readonly shards: number;
  readonly replicasPerShard: number;

  constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:data:Cache", name, {}, opts);
    const { context, network } = args;
    const spec = context.config.tier.cache;
    const snapshotRetentionDays = args.snapshotRetentionDays ?? (context.config.tier.name === "mvp" ? 1 : 7);
    if (spec.replicasPerShard < 1) {
      throw new Error(
        `cache.replicasPerShard must be at least 1 (automatic failover needs a replica), got ${spec.replicasPerShard}`,
      );
    }
    if (spec.shards < 1) throw new Error(`cache.shards must be at least 1, got ${spec.shards}`);
    if (snapshotRetentionDays < 0 || snapshotRetentionDays > 35) {
      throw new Error(`snapshotRetentionDays must be between 0 and 35, got ${snapshotRetentionDays}`);
    }
    const parent = { parent: this };
    this.nodeType = spec.instanceClass;
    this.shards = spec.shards;
    this.replicasPerShard = spec.replicasPerShard;

    const key = encryptionKey(name, context, "cache", this, { outlivesStack: spec.finalSnapshot });
    const { group: securityGroup } = serviceSecurityGroup(name, {
      context,
      vpcId: network.vpcId,
      part: "cache",
      port: REDIS_PORT,
      sources: [
        { label: "workloads", securityGroupId: network.workloadSecurityGroup.id },
        ...(args.extraSources ?? []),
      ],
      parent: this,
    });
    this.securityGroupId = securityGroup.id;

    const subnetGroup = new aws.elasticache.SubnetGroup(
      `${name}-subnets`,
      {
        name: context.name("cache"),
        subnetIds: network.dataSubnetIds,
        description: "StoryForge Redis: isolated data subnets",
        tags: context.tags(),
      },
      parent,
    );

    const parameters = new aws.elasticache.ParameterGroup(
      `${name}-params`,
      {
        name: context.name("redis7-cluster"),
        family: "redis7",
        description: "StoryForge Redis 7 cluster mode; the job queue must never lose keys to eviction",
        parameters: [
          { name: "cluster-enabled", value: "yes" },
          { name: "maxmemory-policy", value: "noeviction" },
        ],
        tags: context.tags(),
      },
      parent,
    );

    const token = new random.RandomPassword(
      `${name}-auth-token`,
      {
        length: 64,
        // ElastiCache AUTH tokens: 16-128 printable characters without @, " or /; alphanumeric avoids all three.
        special: false,
      },
      parent,
    );
    this.authToken = pulumi.secret(token.result);

    const groupId = context.name("redis", NAME_LIMITS.elasticache);
    // One final snapshot name per stack generation (see database.ts): unique after a rebuild, stable across updates.
    const generation = spec.finalSnapshot
      ? new random.RandomId(
          `${name}-final-snapshot-suffix`,
          { byteLength: 4, keepers: { replicationGroupId: groupId } },
          parent,
        )
      : undefined;
    const group = new aws.elasticache.ReplicationGroup(
      `${name}-redis`,
      {
        replicationGroupId: groupId,
        description: `StoryForge ${context.config.stack}: queue, cache and rate limits`,
        engine: "redis",
        engineVersion: "7.1",
        nodeType: spec.instanceClass,
        port: REDIS_PORT,
        clusterMode: "enabled",
        numNodeGroups: spec.shards,
        replicasPerNodeGroup: spec.replicasPerShard,
        automaticFailoverEnabled: true,
        multiAzEnabled: true,
        parameterGroupName: parameters.name,
        subnetGroupName: subnetGroup.name,
        securityGroupIds: [securityGroup.id],
        atRestEncryptionEnabled: true,
        kmsKeyId: key.arn,
        transitEncryptionEnabled: true,
        transitEncryptionMode: "required",
        authToken: this.authToken,
        authTokenUpdateStrategy: "ROTATE",
        snapshotRetentionLimit: snapshotRetentionDays,
        // DeleteReplicationGroup takes this snapshot first; automatic snapshots are deleted with the group.
        finalSnapshotIdentifier: generation ? pulumi.interpolate`${groupId}-final-${generation.hex}` : undefined,
        snapshotWindow: "02:00-03:00",
        maintenanceWindow: "sun:05:30-sun:06:30",
        autoMinorVersionUpgrade: true,
        applyImmediately: false,
        tags: context.tags({ Name: groupId }),
      },
      { parent: this, protect: spec.finalSnapshot },
    );
    this.configurationEndpoint = group.configurationEndpointAddress;
    this.replicationGroupId = group.replicationGroupId;

    const secret = new aws.secretsmanager.Secret(
      `${name}-auth-secret`,
      {
        // A prefix, as for the database secret: a rebuilt stack must not collide with one pending deletion.
        namePrefix: `storyforge/${context.config.stack}/redis-auth-`,
        description: "StoryForge Redis AUTH token and endpoint",
        kmsKeyId: key.arn,
        recoveryWindowInDays: 30,
        tags: context.tags(),
      },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-auth-secret-value`,
      {
        secretId: secret.id,
        secretString: pulumi.secret(
          pulumi.jsonStringify({
            host: group.configurationEndpointAddress,
            port: REDIS_PORT,
            authToken: this.authToken,
            tls: true,
          }),
        ),
      },
      parent,
    );
    this.secretArn = secret.arn;

    this.registerOutputs({
      configurationEndpoint: this.configurationEndpoint,
      secretArn: this.secretArn,
      securityGroupId: this.securityGroupId,
    });
  }
}

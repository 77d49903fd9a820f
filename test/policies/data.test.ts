import { resourceValidationArgs } from "../../policies/evaluate";
import * as data from "../../policies/rules/data";
import { cacheParameterGroup, rdsPrimary, rdsReplica, replicationGroup, searchDomain, T } from "./fixtures";
import { describeResourceRule, mutate, stackViolations, violations } from "./support";

describe("RDS", () => {
  describeResourceRule(data.rdsStorageEncrypted, T.rds, rdsPrimary, [
    [
      "the primary's storageEncrypted is false",
      (p) => (p.storageEncrypted = false),
      /rds\.Instance "subject": storage is not encrypted/,
    ],
    ["the primary does not set storageEncrypted", (p) => delete p.storageEncrypted, /storage is not encrypted/],
  ]);
  describeResourceRule(data.rdsStorageEncrypted, T.rds, rdsReplica, [
    ["a replica's storageEncrypted is false", (p) => (p.storageEncrypted = false), /storage is not encrypted/],
  ]);
  it("rds-storage-encrypted accepts a replica encrypted with a named KMS key", () => {
    const keyed = mutate(rdsReplica, (p: any) => {
      delete p.storageEncrypted;
      p.kmsKeyId = "arn:aws:kms:us-east-1:1:key/abc";
    });
    expect(violations(data.rdsStorageEncrypted, T.rds, keyed)).toEqual([]);
  });

  describeResourceRule(data.rdsNotPublic, T.rds, rdsPrimary, [
    ["publiclyAccessible is true", (p) => (p.publiclyAccessible = true), /publiclyAccessible/],
  ]);

  describeResourceRule(data.rdsMultiAz, T.rds, rdsPrimary, [
    ["the primary's multiAz is false", (p) => (p.multiAz = false), /not Multi-AZ/],
  ]);
  it("rds-primary-multi-az does not ask replicas for a standby", () => {
    expect(violations(data.rdsMultiAz, T.rds, rdsReplica)).toEqual([]);
  });

  describeResourceRule(
    data.rdsBackupRetention,
    T.rds,
    rdsPrimary,
    [
      [
        "retention is one day short of v2's 30",
        (p) => (p.backupRetentionPeriod = 29),
        /29 days; tier v2 requires at least 30/,
      ],
    ],
    { tier: "v2" },
  );
  it("rds-backup-retention reads the tier's days: 14 passes v1 but fails v2", () => {
    const fourteen = mutate(rdsPrimary, (p) => (p.backupRetentionPeriod = 14));
    expect(violations(data.rdsBackupRetention, T.rds, fourteen, { tier: "v1" })).toEqual([]);
    expect(violations(data.rdsBackupRetention, T.rds, fourteen, { tier: "v2" })).toHaveLength(1);
  });
  it("rds-backup-retention never reads the tier from the stack's name, only from what the stack is checked as", () => {
    const fourteen = mutate(rdsPrimary, (p) => (p.backupRetentionPeriod = 14));
    expect(violations(data.rdsBackupRetention, T.rds, fourteen, { stack: "v1", tier: "v2" })).toHaveLength(1);
    expect(violations(data.rdsBackupRetention, T.rds, fourteen, { stack: "v2", tier: "v1" })).toEqual([]);
    const args = resourceValidationArgs("v2", { type: T.rds, name: "db", props: fourteen });
    const validate = data.rdsBackupRetention.validateResource as (a: unknown, r: (m: string) => void) => void;
    expect(() => validate(args, () => undefined)).toThrow(/policy config "tier" must be one of mvp, v1, v2, preview/);
  });

  describeResourceRule(data.rdsDeletionProtection, T.rds, rdsPrimary, [
    ["deletionProtection is false", (p) => (p.deletionProtection = false), /deletionProtection/],
  ]);

  describeResourceRule(data.rdsFinalSnapshot, T.rds, rdsPrimary, [
    ["skipFinalSnapshot is true", (p) => (p.skipFinalSnapshot = true), /skipFinalSnapshot/],
    ["finalSnapshotIdentifier is missing", (p) => delete p.finalSnapshotIdentifier, /finalSnapshotIdentifier/],
  ]);
  it("rds-final-snapshot lets replicas skip it", () => {
    expect(violations(data.rdsFinalSnapshot, T.rds, rdsReplica)).toEqual([]);
  });

  describeResourceRule(data.rdsMonitoring, T.rds, rdsPrimary, [
    ["Performance Insights is off", (p) => (p.performanceInsightsEnabled = false), /Performance Insights/],
    ["monitoringInterval is 0", (p) => (p.monitoringInterval = 0), /enhanced monitoring/],
  ]);

  describe("rds-replica-in-another-zone (T)", () => {
    const plan = [
      { type: T.rds, name: "db", inputs: rdsPrimary },
      { type: T.rds, name: "db-replica-1", inputs: rdsReplica },
    ];
    it("passes a primary with a replica in another zone", () => {
      expect(stackViolations(data.rdsReplicaInAnotherZone, plan)).toEqual([]);
    });
    it("fails a primary without replicas, naming it", () => {
      expect(stackViolations(data.rdsReplicaInAnotherZone, plan.slice(0, 1))).toEqual([
        { resource: "db", message: 'rds.Instance "db": has no read replica' },
      ]);
    });
    it("fails when the only replica sits in the primary's zone", () => {
      const sameZone = [
        plan[0],
        { ...plan[1], inputs: mutate(rdsReplica, (p) => (p.availabilityZone = "us-east-1a")) },
      ];
      const found = stackViolations(data.rdsReplicaInAnotherZone, sameZone);
      expect(found).toHaveLength(1);
      expect(found[0]?.message).toMatch(/no read replica is pinned to a zone other than the primary's \(us-east-1a\)/);
    });
    it("fails when the replica replicates another database", () => {
      const elsewhere = [
        plan[0],
        { ...plan[1], inputs: mutate(rdsReplica, (p) => (p.replicateSourceDb = "other-db")) },
      ];
      expect(stackViolations(data.rdsReplicaInAnotherZone, elsewhere)).toHaveLength(1);
    });
  });
});

describe("ElastiCache", () => {
  describeResourceRule(data.cacheAtRestEncryption, T.replicationGroup, replicationGroup, [
    ["atRestEncryptionEnabled is false", (p) => (p.atRestEncryptionEnabled = false), /atRestEncryptionEnabled/],
  ]);
  describeResourceRule(data.cacheTransitEncryptionAuth, T.replicationGroup, replicationGroup, [
    ["transitEncryptionEnabled is false", (p) => (p.transitEncryptionEnabled = false), /transitEncryptionEnabled/],
    [
      "transitEncryptionMode is preferred",
      (p) => (p.transitEncryptionMode = "preferred"),
      /"preferred", not "required"/,
    ],
    ["there is no AUTH token", (p) => delete p.authToken, /not authenticated/],
  ]);
  it("elasticache-transit-encryption-auth accepts RBAC user groups instead of an AUTH token", () => {
    const rbac = mutate(replicationGroup, (p: any) => {
      delete p.authToken;
      p.userGroupIds = ["storyforge-users"];
    });
    expect(violations(data.cacheTransitEncryptionAuth, T.replicationGroup, rbac)).toEqual([]);
  });
  describeResourceRule(data.cacheFailover, T.replicationGroup, replicationGroup, [
    ["automaticFailoverEnabled is false", (p) => (p.automaticFailoverEnabled = false), /automaticFailoverEnabled/],
    ["multiAzEnabled is false", (p) => (p.multiAzEnabled = false), /multiAzEnabled/],
    ["shards have no replica", (p) => (p.replicasPerNodeGroup = 0), /0 replicas/],
  ]);
  describeResourceRule(data.cacheSnapshotRetention, T.replicationGroup, replicationGroup, [
    ["snapshotRetentionLimit is 0", (p) => (p.snapshotRetentionLimit = 0), /snapshotRetentionLimit` is 0/],
  ]);

  describe("elasticache-queue-noeviction (M)", () => {
    const plan = [
      { type: T.cacheParameterGroup, name: "redis-params", inputs: cacheParameterGroup },
      { type: T.replicationGroup, name: "redis", inputs: replicationGroup },
    ];
    it("passes a queue Redis whose parameter group sets noeviction", () => {
      expect(stackViolations(data.cacheQueueNoEviction, plan)).toEqual([]);
    });
    it("fails when the parameter group evicts (allkeys-lru), naming the replication group", () => {
      const evicting = [
        { ...plan[0], inputs: mutate(cacheParameterGroup, (p) => (p.parameters[0].value = "allkeys-lru")) },
        plan[1],
      ];
      const found = stackViolations(data.cacheQueueNoEviction, evicting);
      expect(found).toEqual([
        { resource: "redis", message: expect.stringMatching(/sets maxmemory-policy "allkeys-lru", not "noeviction"/) },
      ]);
    });
    it("fails when the group uses a default parameter group", () => {
      const defaulted = [
        plan[0],
        { ...plan[1], inputs: mutate(replicationGroup, (p) => (p.parameterGroupName = "default.redis7")) },
      ];
      expect(stackViolations(data.cacheQueueNoEviction, defaulted)[0]?.message).toMatch(
        /"default\.redis7", not one of this stack's/,
      );
    });
    it("leaves a group tagged role: cache alone", () => {
      const cacheOnly = [
        plan[0],
        {
          ...plan[1],
          inputs: mutate(replicationGroup, (p: any) => {
            p.parameterGroupName = "default.redis7";
            p.tags = { ...p.tags, role: "cache" };
          }),
        },
      ];
      expect(stackViolations(data.cacheQueueNoEviction, cacheOnly)).toEqual([]);
    });
  });
});

describe("OpenSearch", () => {
  describeResourceRule(data.searchEncryption, T.domain, searchDomain, [
    ["encryption at rest is off", (p) => (p.encryptAtRest.enabled = false), /encryption at rest/],
    ["node-to-node encryption is off", (p) => (p.nodeToNodeEncryption.enabled = false), /node-to-node/],
  ]);
  describeResourceRule(data.searchHttpsTls12, T.domain, searchDomain, [
    ["HTTPS is not enforced", (p) => (p.domainEndpointOptions.enforceHttps = false), /HTTPS is not enforced/],
    [
      "the TLS policy allows TLS 1.0",
      (p) => (p.domainEndpointOptions.tlsSecurityPolicy = "Policy-Min-TLS-1-0-2019-07"),
      /TLS policy is "Policy-Min-TLS-1-0-2019-07"/,
    ],
  ]);
  describeResourceRule(data.searchVpcOnly, T.domain, searchDomain, [
    ["there are no VPC options", (p) => delete p.vpcOptions, /public endpoint/],
  ]);
  describeResourceRule(data.searchFineGrainedAccess, T.domain, searchDomain, [
    [
      "fine-grained access control is off",
      (p) => (p.advancedSecurityOptions.enabled = false),
      /fine-grained access control is off/,
    ],
    ["anonymous access is on", (p) => (p.advancedSecurityOptions.anonymousAuthEnabled = true), /anonymous access/],
  ]);
  describeResourceRule(data.searchClusterResilience, T.domain, searchDomain, [
    ["dedicated masters are off", (p) => (p.clusterConfig.dedicatedMasterEnabled = false), /dedicated masters are off/],
    [
      "there are two dedicated masters",
      (p) => (p.clusterConfig.dedicatedMasterCount = 2),
      /dedicatedMasterCount` is 2/,
    ],
    ["zone awareness is off", (p) => (p.clusterConfig.zoneAwarenessEnabled = false), /zone awareness/],
    ["there are two data nodes", (p) => (p.clusterConfig.instanceCount = 2), /instanceCount` is 2/],
  ]);
  describeResourceRule(data.searchLogPublishing, T.domain, searchDomain, [
    ["application logs are not published", (p) => p.logPublishingOptions.shift(), /ES_APPLICATION_LOGS/],
    ["slow search logs are disabled", (p) => (p.logPublishingOptions[1].enabled = false), /SEARCH_SLOW_LOGS/],
  ]);
});

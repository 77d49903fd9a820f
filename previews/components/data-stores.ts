/**
 * A preview's own data: generated passwords in one Secret, and single-instance PostgreSQL and Redis StatefulSets
 * whose volumes are deleted with them. The ports and the database name are the tiers' (infra/components/database.ts,
 * cache.ts), so the app connects the same way in both.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { REDIS_PORT } from "../../infra/components/cache";
import { DATABASE_NAME, POSTGRES_PORT } from "../../infra/components/database";
import {
  hardenedContainer,
  podSecurity,
  resourcesOf,
  roleScheduling,
  TMP_MOUNT,
  TMP_VOLUME,
  zoneSpread,
} from "../../infra/lib/pod-spec";
import { type PreviewSpec } from "../../stacks/preview/spec";

/** The preview's own PostgreSQL role (it owns the database; there is no separate admin as on RDS). */
const DB_USER = "storyforge";
/** The Secret every preview pod reads its credentials from. */
export const PREVIEW_SECRET = "storyforge-preview";

export type PreviewLabels = (app: string) => Record<string, string>;

export interface PreviewDataStores {
  /** `[{ name: KEY, valueFrom: { secretKeyRef } }]` for keys of the preview's Secret. */
  secretEnv: (
    ...keys: string[]
  ) => Array<{ name: string; valueFrom: { secretKeyRef: { name: pulumi.Output<string>; key: string } } }>;
  postgres: k8s.apps.v1.StatefulSet;
  redis: k8s.apps.v1.StatefulSet;
}

export function previewDataStores(
  name: string,
  args: { namespace: pulumi.Output<string>; spec: PreviewSpec; labels: PreviewLabels; guards: pulumi.Resource[] },
  opts: { parent: pulumi.Resource; provider: k8s.Provider },
): PreviewDataStores {
  const { namespace: ns, spec, labels: labelsOf } = args;
  const guarded = { ...opts, dependsOn: args.guards };

  // Secrets: generated, kept secret in state, delivered as a k8s Secret.
  const dbPassword = new random.RandomPassword(
    `${name}-postgres-password`,
    { length: 32, special: false },
    { parent: opts.parent },
  );
  const redisPassword = new random.RandomPassword(
    `${name}-redis-password`,
    { length: 32, special: false },
    { parent: opts.parent },
  );
  const jwt = new random.RandomPassword(`${name}-jwt-secret`, { length: 64, special: false }, { parent: opts.parent });
  const databaseUrl = pulumi.secret(
    pulumi.interpolate`postgres://${DB_USER}:${dbPassword.result}@postgres.${ns}.svc.cluster.local:${POSTGRES_PORT}/${DATABASE_NAME}`,
  );
  const secret = new k8s.core.v1.Secret(
    `${name}-secret`,
    {
      metadata: { name: PREVIEW_SECRET, namespace: ns },
      type: "Opaque",
      stringData: {
        POSTGRES_PASSWORD: pulumi.secret(dbPassword.result),
        REDIS_PASSWORD: pulumi.secret(redisPassword.result),
        // One PostgreSQL, no pooler: the app's writes, its replica reads and the migrations use the same URL.
        DATABASE_URL: databaseUrl,
        DATABASE_REPLICA_URL: databaseUrl,
        DATABASE_MIGRATION_URL: databaseUrl,
        REDIS_URL: pulumi.secret(
          pulumi.interpolate`redis://:${redisPassword.result}@redis.${ns}.svc.cluster.local:${REDIS_PORT}`,
        ),
        JWT_SECRET: pulumi.secret(jwt.result),
      },
    },
    opts,
  );
  const secretEnv = (...keys: string[]) =>
    keys.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secret.metadata.name, key } } }));
  const volumeClaim = (size: number) => ({
    metadata: { name: "data" },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: spec.storageClass,
      resources: { requests: { storage: `${size}Gi` } },
    },
  });
  // Deleting the StatefulSet (or the namespace) deletes its claims: a preview leaves no volume behind.
  const deleteClaims = { whenDeleted: "Delete", whenScaled: "Delete" };

  // PostgreSQL: single instance, the same major version as the tiers' RDS (16).
  const pgLabels = labelsOf("postgres");
  const pgService = new k8s.core.v1.Service(
    `${name}-postgres-service`,
    {
      metadata: { name: "postgres", namespace: ns, labels: pgLabels },
      spec: {
        clusterIP: "None",
        selector: pgLabels,
        ports: [{ name: "postgres", port: POSTGRES_PORT, targetPort: POSTGRES_PORT }],
      },
    },
    opts,
  );
  const postgres = new k8s.apps.v1.StatefulSet(
    `${name}-postgres`,
    {
      metadata: { name: "postgres", namespace: ns, labels: pgLabels },
      spec: {
        serviceName: pgService.metadata.name,
        replicas: 1,
        selector: { matchLabels: pgLabels },
        persistentVolumeClaimRetentionPolicy: deleteClaims,
        template: {
          metadata: { labels: pgLabels },
          spec: {
            automountServiceAccountToken: false,
            ...roleScheduling(spec.postgres.role),
            topologySpreadConstraints: zoneSpread(pgLabels),
            securityContext: podSecurity(spec.postgres.uid),
            containers: [
              {
                ...hardenedContainer(),
                name: "postgres",
                image: spec.postgres.image,
                ports: [{ name: "postgres", containerPort: POSTGRES_PORT }],
                env: [
                  { name: "POSTGRES_USER", value: DB_USER },
                  { name: "POSTGRES_DB", value: DATABASE_NAME },
                  // A subdirectory: the volume's root holds lost+found, which initdb refuses.
                  { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                  ...secretEnv("POSTGRES_PASSWORD"),
                ],
                resources: resourcesOf(spec.postgres.pod),
                readinessProbe: {
                  exec: { command: ["pg_isready", "-h", "127.0.0.1", "-U", DB_USER, "-d", DATABASE_NAME] },
                  periodSeconds: 5,
                  failureThreshold: 3,
                },
                livenessProbe: {
                  tcpSocket: { port: POSTGRES_PORT },
                  initialDelaySeconds: 30,
                  periodSeconds: 15,
                  failureThreshold: 4,
                },
                volumeMounts: [
                  { name: "data", mountPath: "/var/lib/postgresql/data" },
                  { name: "run", mountPath: "/var/run/postgresql" },
                  TMP_MOUNT,
                ],
              },
            ],
            volumes: [{ name: "run", emptyDir: {} }, TMP_VOLUME],
          },
        },
        volumeClaimTemplates: [volumeClaim(spec.postgres.storageGiB)],
      },
    },
    guarded,
  );

  // Redis: single instance (REDIS_CLUSTER=false), append-only, never evicting (BullMQ needs every key).
  const redisLabels = labelsOf("redis");
  const redisService = new k8s.core.v1.Service(
    `${name}-redis-service`,
    {
      metadata: { name: "redis", namespace: ns, labels: redisLabels },
      spec: {
        clusterIP: "None",
        selector: redisLabels,
        ports: [{ name: "redis", port: REDIS_PORT, targetPort: REDIS_PORT }],
      },
    },
    opts,
  );
  const redis = new k8s.apps.v1.StatefulSet(
    `${name}-redis`,
    {
      metadata: { name: "redis", namespace: ns, labels: redisLabels },
      spec: {
        serviceName: redisService.metadata.name,
        replicas: 1,
        selector: { matchLabels: redisLabels },
        persistentVolumeClaimRetentionPolicy: deleteClaims,
        template: {
          metadata: { labels: redisLabels },
          spec: {
            automountServiceAccountToken: false,
            ...roleScheduling(spec.redis.role),
            topologySpreadConstraints: zoneSpread(redisLabels),
            securityContext: podSecurity(spec.redis.uid),
            containers: [
              {
                ...hardenedContainer(),
                name: "redis",
                image: spec.redis.image,
                // $(REDIS_PASSWORD) is expanded by the kubelet from the Secret; the spec holds no password.
                args: [
                  "redis-server",
                  "--dir",
                  "/data",
                  "--appendonly",
                  "yes",
                  "--requirepass",
                  "$(REDIS_PASSWORD)",
                  "--maxmemory",
                  `${spec.redis.maxMemoryMiB}mb`,
                  "--maxmemory-policy",
                  "noeviction",
                ],
                ports: [{ name: "redis", containerPort: REDIS_PORT }],
                env: secretEnv("REDIS_PASSWORD"),
                resources: resourcesOf(spec.redis.pod),
                readinessProbe: {
                  exec: {
                    command: ["sh", "-c", 'redis-cli --no-auth-warning -a "$REDIS_PASSWORD" ping | grep -q PONG'],
                  },
                  periodSeconds: 5,
                  failureThreshold: 3,
                },
                livenessProbe: {
                  tcpSocket: { port: REDIS_PORT },
                  initialDelaySeconds: 15,
                  periodSeconds: 15,
                  failureThreshold: 4,
                },
                volumeMounts: [{ name: "data", mountPath: "/data" }, TMP_MOUNT],
              },
            ],
            volumes: [TMP_VOLUME],
          },
        },
        volumeClaimTemplates: [volumeClaim(spec.redis.storageGiB)],
      },
    },
    guarded,
  );
  return { secretEnv, postgres, redis };
}

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { PGBOUNCER_SETTINGS } from "../lib/capacity";
import { type StackContext } from "../lib/context";
import { type PodResources } from "../../stacks/tiers";
import { type Database } from "./database";
import { hardenedContainer, podSecurity, resourcesOf, roleScheduling, zoneSpread } from "../lib/pod-spec";

export const PGBOUNCER_PORT = 6432;
/** Logical database that PgBouncer sends to the primary (writes, read-your-writes). */
export const PRIMARY_DATABASE = "storyforge";
/** Logical database that PgBouncer spreads over every read replica. */
export const REPLICA_DATABASE = "storyforge_replica";

/**
 * PgBouncer 1.24.1: 1.24 is the first release with `load_balance_hosts` on a database entry (pgbouncer/pgbouncer
 * PR #736, merged Nov 2024). A public image pinned by tag: a digest cannot be verified from this offline build,
 * so stacks that want digest pinning set `storyforge:pgbouncerImage` to `<repo>@sha256:<digest>` (see
 * stacks/config/keys.ts). The edoburu image runs as `postgres` (uid 70) and ships `/usr/bin/pgbouncer`.
 */
export const DEFAULT_PGBOUNCER_IMAGE = "edoburu/pgbouncer:v1.24.1-p1";
/** uid/gid of the image's `postgres` user (Alpine). */
const PGBOUNCER_UID = 70;

const CONFIG_DIR = "/etc/pgbouncer";

export interface PgbouncerIniInput {
  primaryHost: string;
  replicaHosts: string[];
  /** RDS port. */
  port: number;
  /** Database name inside PostgreSQL. */
  dbname: string;
}

/**
 * pgbouncer.ini: seed 000 §3.4's settings (PGBOUNCER_SETTINGS) exactly, plus what running in a pod needs.
 * `storyforge_replica` lists every replica (`host=a,b,c`) with `load_balance_hosts=round-robin`, so new server
 * connections rotate over all of them and a lost replica only fails the attempts that land on it (each failed
 * attempt moves on to the next host after `server_login_retry`). Without replicas it points at the primary.
 */
export function pgbouncerIni(input: PgbouncerIniInput): string {
  const replicas = input.replicaHosts.length > 0 ? input.replicaHosts : [input.primaryHost];
  const lines = [
    "[databases]",
    `${PRIMARY_DATABASE} = host=${input.primaryHost} port=${input.port} dbname=${input.dbname}`,
    `${REPLICA_DATABASE} = host=${replicas.join(",")} port=${input.port} dbname=${input.dbname} load_balance_hosts=round-robin`,
    "",
    "[pgbouncer]",
    "listen_addr = 0.0.0.0",
    `listen_port = ${PGBOUNCER_PORT}`,
    // No Unix socket: the root filesystem is read-only and nothing in the pod needs one.
    "unix_socket_dir =",
    // Plain-text passwords in the userlist let PgBouncer answer SCRAM from clients and log in to RDS with SCRAM.
    "auth_type = scram-sha-256",
    `auth_file = ${CONFIG_DIR}/userlist.txt`,
    ...Object.entries(PGBOUNCER_SETTINGS).map(([k, v]) => `${k} = ${v}`),
    // Spread transactions over the server connections (and so over replicas), rather than LIFO onto one.
    "server_round_robin = 1",
    // Retry a failed server login (a lost replica) after 1 s instead of 15 s.
    "server_login_retry = 1",
    // TLS to RDS (the parameter group forces SSL).
    "server_tls_sslmode = require",
    // Drivers (JDBC, psql tools) send these; PgBouncer cannot track them in transaction mode.
    "ignore_startup_parameters = extra_float_digits,options",
    "",
  ];
  return lines.join("\n");
}

/** The userlist line for one user (plain text; see auth_type). Double quotes are escaped by doubling. */
export function userlistLine(user: string, password: string): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return `${q(user)} ${q(password)}\n`;
}

export interface PgBouncerArgs {
  context: StackContext;
  /** The cluster: PgBouncer runs on its `system` nodes with its provider. */
  cluster: { provider: k8s.Provider };
  /** The RDS primary and replicas PgBouncer pools in front of, and the app user's credentials. */
  database: Database;
  /** Namespace (the Workloads' `storyforge`). */
  namespace: pulumi.Input<string>;
  /**
   * Pods. At least 2 so one can be drained.
   * @default tier `workloads.pgbouncer.replicas`
   */
  replicas?: number;
  /**
   * Requests and limits per pod.
   * @default tier `workloads.pgbouncer.pod`
   */
  pod?: PodResources;
  /**
   * Container image (tag other than latest, or digest).
   * @default DEFAULT_PGBOUNCER_IMAGE, or `storyforge:pgbouncerImage`
   */
  image?: string;
}

/**
 * PgBouncer in front of RDS (seed 000 §3.4): `storyforge` → primary, `storyforge_replica` → every replica,
 * transaction pooling, TLS to RDS, credentials from a Kubernetes Secret fed by Pulumi secrets. ≥ 2 pods spread
 * over zones on the system nodes, a PodDisruptionBudget allowing one disruption, a ClusterIP Service on 6432.
 *
 * Monthly cost: none of its own (runs on the system node group).
 */
export class PgBouncer extends pulumi.ComponentResource {
  /** In-cluster DNS name of the Service. */
  readonly host: pulumi.Output<string>;
  readonly port = PGBOUNCER_PORT;
  readonly primaryDatabase = PRIMARY_DATABASE;
  readonly replicaDatabase = REPLICA_DATABASE;
  readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: PgBouncerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:compute:PgBouncer", name, {}, opts);
    const { context, database, namespace } = args;
    const tier = context.config.tier;
    const replicas = args.replicas ?? tier.workloads.pgbouncer.replicas;
    const pod = args.pod ?? tier.workloads.pgbouncer.pod;
    const image = args.image ?? context.config.pgbouncerImage ?? DEFAULT_PGBOUNCER_IMAGE;
    if (!Number.isInteger(replicas) || replicas < 2) {
      throw new Error(`pgbouncer replicas must be an integer of at least 2 (one can be drained), got ${replicas}`);
    }
    const k8sOpts = { parent: this, provider: args.cluster.provider };
    const labels = { "app.kubernetes.io/name": "pgbouncer", "app.kubernetes.io/part-of": "storyforge" };

    const ini = pulumi
      .all([database.primaryAddress, pulumi.all(database.replicaAddresses)])
      .apply(([primaryHost, replicaHosts]) =>
        pgbouncerIni({ primaryHost, replicaHosts, port: database.port, dbname: database.databaseName }),
      );
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      {
        metadata: { name: "pgbouncer-config", namespace, labels },
        data: { "pgbouncer.ini": ini },
      },
      k8sOpts,
    );
    const userlist = pulumi.secret(
      pulumi.output(database.masterPassword).apply((p) => userlistLine(database.masterUsername, p)),
    );
    const auth = new k8s.core.v1.Secret(
      `${name}-auth`,
      {
        metadata: { name: "pgbouncer-auth", namespace, labels },
        type: "Opaque",
        stringData: { "userlist.txt": userlist },
      },
      k8sOpts,
    );
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      {
        metadata: { name: "pgbouncer", namespace, labels },
        automountServiceAccountToken: false,
      },
      k8sOpts,
    );

    // A change of the config or the password rolls the pods (PgBouncer reads both at start).
    const checksum = pulumi
      .all([ini, userlist])
      .apply(([a, b]) => createHash("sha256").update(a).update(b).digest("hex"));
    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: "pgbouncer", namespace, labels },
        spec: {
          replicas,
          selector: { matchLabels: labels },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels, annotations: { "storyforge.io/config-checksum": pulumi.secret(checksum) } },
            spec: {
              serviceAccountName: serviceAccount.metadata.name,
              automountServiceAccountToken: false,
              ...roleScheduling("system"),
              topologySpreadConstraints: zoneSpread(labels),
              securityContext: podSecurity(PGBOUNCER_UID),
              // Clients drain within client_idle_timeout; 60 s lets transactions in flight finish.
              terminationGracePeriodSeconds: 60,
              containers: [
                {
                  ...hardenedContainer(),
                  name: "pgbouncer",
                  image,
                  command: ["/usr/bin/pgbouncer", `${CONFIG_DIR}/pgbouncer.ini`],
                  ports: [{ name: "postgres", containerPort: PGBOUNCER_PORT, protocol: "TCP" }],
                  resources: resourcesOf(pod),
                  // The image has no PostgreSQL client, so both probes look at the listener, differently: readiness
                  // from inside the pod (busybox nc) every 5 s to steer new clients; liveness through the kubelet's TCP
                  // check, slowly, to restart only a pooler whose listener stays dead.
                  readinessProbe: {
                    exec: { command: ["/bin/sh", "-c", `nc -z 127.0.0.1 ${PGBOUNCER_PORT}`] },
                    periodSeconds: 5,
                    timeoutSeconds: 2,
                    failureThreshold: 2,
                  },
                  livenessProbe: {
                    tcpSocket: { port: PGBOUNCER_PORT },
                    initialDelaySeconds: 15,
                    periodSeconds: 20,
                    timeoutSeconds: 5,
                    failureThreshold: 3,
                  },
                  // Keep accepting while the Service's endpoints converge, then PgBouncer stops on SIGTERM.
                  lifecycle: { preStop: { exec: { command: ["/bin/sh", "-c", "sleep 10"] } } },
                  volumeMounts: [
                    {
                      name: "config",
                      mountPath: `${CONFIG_DIR}/pgbouncer.ini`,
                      subPath: "pgbouncer.ini",
                      readOnly: true,
                    },
                    { name: "auth", mountPath: `${CONFIG_DIR}/userlist.txt`, subPath: "userlist.txt", readOnly: true },
                    { name: "tmp", mountPath: "/tmp" },
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                { name: "auth", secret: { secretName: auth.metadata.name, defaultMode: 0o440 } },
                { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
              ],
            },
          },
        },
      },
      k8sOpts,
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: { name: "pgbouncer", namespace, labels },
        spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
      },
      { ...k8sOpts, dependsOn: [deployment] },
    );
    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: "pgbouncer", namespace, labels },
        spec: {
          type: "ClusterIP",
          selector: labels,
          ports: [{ name: "postgres", port: PGBOUNCER_PORT, targetPort: PGBOUNCER_PORT, protocol: "TCP" }],
        },
      },
      k8sOpts,
    );

    this.serviceName = service.metadata.name;
    this.host = pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
    this.registerOutputs({ host: this.host, port: this.port });
  }
}

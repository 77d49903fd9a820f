import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "node:crypto";
import { type StackContext } from "../lib/context";
import {
  BOOTSTRAP_ENV,
  bootstrapSql,
  DB_ROLES,
  RDS_CA_FILE,
  RDS_CA_MOUNT_DIR,
  rdsCaBundle,
  scramVerifier,
} from "../lib/db-roles";
import { hardenedContainer, podSecurity, roleScheduling, TMP_MOUNT, TMP_VOLUME } from "../lib/pod-spec";
import { type Database } from "./database";

/**
 * psql for the bootstrap: the official image's PostgreSQL 16 client (the server's major), Alpine, arm64 for the
 * Graviton nodes. Tag from docker-library/official-images `library/postgres` (2026-08-13: "16.15-alpine3.24",
 * arm64v8 among its architectures); pinned by tag, as the PgBouncer image is, since no digest can be verified offline.
 */
export const BOOTSTRAP_IMAGE = "postgres:16.15-alpine3.24";
/** uid/gid of the image's `postgres` user (Alpine). */
const POSTGRES_UID = 70;
export const BOOTSTRAP_NAMESPACE = "storyforge-bootstrap";
const SQL_DIR = "/etc/db-bootstrap";

/** A database login: the role name and its generated password (a Pulumi secret). */
export interface DbLogin {
  user: string;
  password: pulumi.Output<string>;
}

export interface DatabaseAccessArgs {
  context: StackContext;
  /** The cluster: the Job runs on its `system` nodes (in the workload security group the database admits). */
  cluster: { provider: k8s.Provider };
  /** The primary and its master login, which only this component uses. */
  database: Database;
  /**
   * Image with psql 15 or newer (`\getenv`).
   * @default BOOTSTRAP_IMAGE
   */
  image?: string;
}

/**
 * Least privilege in PostgreSQL (issue 12): three roles instead of the master user everywhere: `storyforge_owner`
 * (migrations; owns the schema), `storyforge_app` (the API and the worker; DML only) and `storyforge_pgbouncer`
 * (PgBouncer's auth user; reads nothing but password verifiers). Their passwords come from `@pulumi/random`; the
 * database only ever sees SCRAM verifiers computed here. A Kubernetes Job in its own namespace runs
 * infra/sql/db-bootstrap.sql as the master user, over TLS verified with the RDS CA bundle, before the migrations:
 * the master password is in that namespace's Secret and nowhere else in the cluster. The Job's name carries a
 * digest of the script and the verifiers, so a change or a rotation runs a new Job (Job specs are immutable);
 * the script is idempotent.
 * The RDS database itself cannot be reached from the deployer (isolated subnets), so a Pulumi PostgreSQL provider
 * is not an option.
 *
 * Monthly cost: none (a short Job on the system nodes per change).
 */
export class DatabaseAccess extends pulumi.ComponentResource {
  readonly owner: DbLogin;
  readonly app: DbLogin;
  readonly pgbouncerAuth: DbLogin;
  /** The RDS CA bundle (infra/certs), for every client that verifies the server. */
  readonly caBundle: string;
  /** Runs before the migrations; they depend on it. */
  readonly bootstrapJob: k8s.batch.v1.Job;

  constructor(name: string, args: DatabaseAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("storyforge:data:DatabaseAccess", name, {}, opts);
    const { database } = args;
    const image = args.image ?? BOOTSTRAP_IMAGE;
    const parent = { parent: this };
    const k8sOpts = { parent: this, provider: args.cluster.provider };
    this.caBundle = rdsCaBundle();

    const login = (key: keyof typeof DB_ROLES) => {
      // Letters and digits: nothing to escape in a URL, a userlist or SASLprep.
      const password = new random.RandomPassword(`${name}-${key}-password`, { length: 40, special: false }, parent);
      const salt = new random.RandomBytes(`${name}-${key}-salt`, { length: 16 }, parent);
      const verifier = pulumi.secret(
        pulumi.all([password.result, salt.base64]).apply(([p, s]) => scramVerifier(p, Buffer.from(s, "base64"))),
      );
      return { login: { user: DB_ROLES[key], password: pulumi.secret(password.result) }, verifier };
    };
    const owner = login("owner");
    const app = login("app");
    const auth = login("pgbouncerAuth");
    this.owner = owner.login;
    this.app = app.login;
    this.pgbouncerAuth = auth.login;

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: BOOTSTRAP_NAMESPACE,
          labels: {
            "app.kubernetes.io/part-of": "storyforge",
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
          },
        },
      },
      k8sOpts,
    );
    const ns = namespace.metadata.name;
    const labels = { "app.kubernetes.io/name": "db-bootstrap", "app.kubernetes.io/part-of": "storyforge" };
    const sql = bootstrapSql();
    const files = new k8s.core.v1.ConfigMap(
      `${name}-files`,
      {
        metadata: { name: "db-bootstrap", namespace: ns, labels },
        data: { "db-bootstrap.sql": sql, [RDS_CA_FILE]: this.caBundle },
      },
      k8sOpts,
    );
    const secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: "db-bootstrap", namespace: ns, labels },
        type: "Opaque",
        stringData: {
          PGPASSWORD: database.masterPassword,
          [BOOTSTRAP_ENV.owner]: owner.verifier,
          [BOOTSTRAP_ENV.app]: app.verifier,
          [BOOTSTRAP_ENV.pgbouncerAuth]: auth.verifier,
        },
      },
      k8sOpts,
    );
    const account = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      { metadata: { name: "db-bootstrap", namespace: ns, labels }, automountServiceAccountToken: false },
      k8sOpts,
    );

    // A digest of salted verifiers reveals nothing about the passwords, so the name need not be a secret.
    const jobName = pulumi
      .unsecret(pulumi.all([owner.verifier, app.verifier, auth.verifier]))
      .apply(
        (verifiers) =>
          `db-bootstrap-${createHash("sha256").update(sql).update(verifiers.join("\n")).digest("hex").slice(0, 12)}`,
      );
    const fromSecret = (key: string) => ({
      name: key,
      valueFrom: { secretKeyRef: { name: secret.metadata.name, key } },
    });
    this.bootstrapJob = new k8s.batch.v1.Job(
      `${name}-bootstrap`,
      {
        metadata: { name: jobName, namespace: ns, labels },
        spec: {
          backoffLimit: 3,
          activeDeadlineSeconds: 600,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: "Never",
              serviceAccountName: account.metadata.name,
              automountServiceAccountToken: false,
              ...roleScheduling("system"),
              securityContext: podSecurity(POSTGRES_UID),
              containers: [
                {
                  ...hardenedContainer(),
                  name: "psql",
                  image,
                  command: [
                    "psql",
                    "-X",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "--single-transaction",
                    "-f",
                    `${SQL_DIR}/db-bootstrap.sql`,
                  ],
                  env: [
                    { name: "PGHOST", value: database.primaryAddress },
                    { name: "PGPORT", value: String(database.port) },
                    { name: "PGDATABASE", value: database.databaseName },
                    { name: "PGUSER", value: database.masterUsername },
                    { name: "PGSSLMODE", value: "verify-full" },
                    { name: "PGSSLROOTCERT", value: `${RDS_CA_MOUNT_DIR}/${RDS_CA_FILE}` },
                    { name: "PGCONNECT_TIMEOUT", value: "10" },
                    { name: "PGAPPNAME", value: "storyforge-db-bootstrap" },
                    fromSecret("PGPASSWORD"),
                    fromSecret(BOOTSTRAP_ENV.owner),
                    fromSecret(BOOTSTRAP_ENV.app),
                    fromSecret(BOOTSTRAP_ENV.pgbouncerAuth),
                  ],
                  resources: {
                    requests: { cpu: "50m", memory: "64Mi" },
                    limits: { cpu: "500m", memory: "128Mi" },
                  },
                  volumeMounts: [
                    {
                      name: "files",
                      mountPath: `${SQL_DIR}/db-bootstrap.sql`,
                      subPath: "db-bootstrap.sql",
                      readOnly: true,
                    },
                    {
                      name: "files",
                      mountPath: `${RDS_CA_MOUNT_DIR}/${RDS_CA_FILE}`,
                      subPath: RDS_CA_FILE,
                      readOnly: true,
                    },
                    TMP_MOUNT,
                  ],
                },
              ],
              volumes: [{ name: "files", configMap: { name: files.metadata.name } }, TMP_VOLUME],
            },
          },
        },
      },
      k8sOpts,
    );

    this.registerOutputs({ bootstrapJob: jobName });
  }
}

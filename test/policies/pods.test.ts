import * as pods from "../../policies/rules/pods";
import { T } from "./fixtures";
import { describeResourceRule, violations } from "./support";

const IMAGE =
  "123456789012.dkr.ecr.us-east-1.amazonaws.com/storyforge-v1-app@sha256:e6f5f695acfccaa6bb156ed6e2f360e25e917149d312f198181e6382cabbac6d";

// The v1 plan's worker, trimmed to what these rules read.
const worker = {
  metadata: { name: "worker", namespace: "storyforge" },
  spec: {
    template: {
      spec: {
        serviceAccountName: "worker",
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
        containers: [
          {
            name: "worker",
            image: IMAGE,
            securityContext: {
              runAsNonRoot: true,
              readOnlyRootFilesystem: true,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ["ALL"] },
              seccompProfile: { type: "RuntimeDefault" },
            },
            ports: [{ name: "metrics", containerPort: 9464, protocol: "TCP" }],
            env: [
              { name: "NODE_ENV", value: "production" },
              { name: "DATABASE_POOL_MAX", value: "4" },
              { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "storyforge-app", key: "DATABASE_URL" } } },
            ],
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
          },
        ],
      },
    },
  },
};
const pod = (p: any) => p.spec.template.spec;
const c0 = (p: any) => pod(p).containers[0];

describeResourceRule(pods.noHostNamespaces, T.deployment, worker, [
  ["the pod joins the host network", (p) => (pod(p).hostNetwork = true), /`hostNetwork: true`/],
  ["the pod shares the host PID namespace", (p) => (pod(p).hostPID = true), /`hostPID: true`/],
  ["the pod shares the host IPC namespace", (p) => (pod(p).hostIPC = true), /`hostIPC: true`/],
]);
describeResourceRule(pods.noHostPath, T.deployment, worker, [
  [
    "a volume mounts the host's /",
    (p) => pod(p).volumes.push({ name: "host", hostPath: { path: "/" } }),
    /volume "host" mounts the host path "\/"/,
  ],
]);
describeResourceRule(pods.restrictedVolumeTypes, T.deployment, worker, [
  [
    "a volume is NFS",
    (p) => pod(p).volumes.push({ name: "share", nfs: { server: "10.0.0.1", path: "/" } }),
    /volume "share" is of type nfs/,
  ],
]);
describeResourceRule(pods.capabilitiesRestricted, T.deployment, worker, [
  [
    "SYS_ADMIN is added",
    (p) => (c0(p).securityContext.capabilities.add = ["SYS_ADMIN"]),
    /adds capabilities SYS_ADMIN/,
  ],
  [
    "ALL is not dropped",
    (p) => (c0(p).securityContext.capabilities.drop = ["NET_RAW"]),
    /does not drop ALL capabilities/,
  ],
]);
describeResourceRule(pods.seccompRuntimeDefault, T.deployment, worker, [
  [
    "the container runs Unconfined",
    (p) => (c0(p).securityContext.seccompProfile.type = "Unconfined"),
    /seccomp "Unconfined"/,
  ],
  [
    "no profile is set on the pod or the container",
    (p) => {
      delete pod(p).securityContext.seccompProfile;
      delete c0(p).securityContext.seccompProfile;
    },
    /seccomp "\(unset: Unconfined\)"/,
  ],
]);
describeResourceRule(pods.noHostPorts, T.deployment, worker, [
  ["a port binds the host", (p) => (c0(p).ports[0].hostPort = 9464), /binds host port 9464/],
]);
describeResourceRule(pods.saTokenNotAutomounted, T.deployment, worker, [
  ["the token is mounted", (p) => (pod(p).automountServiceAccountToken = true), /mounts a service-account token/],
  [
    "automounting is left to the default",
    (p) => delete pod(p).automountServiceAccountToken,
    /mounts a service-account token/,
  ],
]);
describeResourceRule(pods.noSecretLiteralEnv, T.deployment, worker, [
  [
    "a secret-named variable has a literal value",
    (p) => c0(p).env.push({ name: "JWT_SECRET_FALLBACK", value: "s3cr3t" }),
    /sets JWT_SECRET_FALLBACK as a literal value/,
  ],
  [
    "a database URL carries its password",
    (p) => (c0(p).env[2] = { name: "DATABASE_URL", value: "postgres://app:hunter2@db:5432/storyforge" }),
    /env DATABASE_URL holds a credential in its literal value/,
  ],
]);
describeResourceRule(
  pods.secretsAsFiles,
  T.deployment,
  {
    ...worker,
    spec: {
      template: {
        spec: { ...worker.spec.template.spec, containers: [{ ...worker.spec.template.spec.containers[0], env: [] }] },
      },
    },
  },
  [
    [
      "a secret is read as env",
      (p) => c0(p).env.push({ name: "REDIS_URL", valueFrom: { secretKeyRef: { name: "app", key: "REDIS_URL" } } }),
      /reads REDIS_URL from secrets as env/,
    ],
  ],
);

const namespace = {
  metadata: {
    name: "storyforge",
    labels: {
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "latest",
    },
  },
};
describeResourceRule(pods.namespacePssEnforced, "kubernetes:core/v1:Namespace", namespace, [
  [
    "it enforces privileged",
    (p) => (p.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged"),
    /enforces "privileged", not restricted/,
  ],
  [
    "it enforces baseline",
    (p) => (p.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"),
    /enforces baseline, not restricted/,
  ],
  ["the label is removed", (p) => delete p.metadata.labels["pod-security.kubernetes.io/enforce"], /enforces "nothing"/],
  [
    "the version is not pinned",
    (p) => delete p.metadata.labels["pod-security.kubernetes.io/enforce-version"],
    /sets no pod-security\.kubernetes\.io\/enforce-version/,
  ],
]);

const pgbouncer = {
  ...worker,
  spec: {
    template: {
      spec: {
        ...worker.spec.template.spec,
        containers: [
          { ...worker.spec.template.spec.containers[0], name: "pgbouncer", image: "edoburu/pgbouncer:v1.24.1-p1" },
        ],
      },
    },
  },
};
describeResourceRule(pods.thirdPartyImageFixed, T.deployment, pgbouncer, [
  [
    "the tag is a major version",
    (p) => (c0(p).image = "edoburu/pgbouncer:1"),
    /"edoburu\/pgbouncer:1" uses a moving tag/,
  ],
  ["the tag is a channel", (p) => (c0(p).image = "edoburu/pgbouncer:stable"), /uses a moving tag/],
  ["the tag is a bare v-major", (p) => (c0(p).image = "edoburu/pgbouncer:v1"), /uses a moving tag/],
  ["there is no tag", (p) => (c0(p).image = "edoburu/pgbouncer"), /uses a moving tag/],
  ["the tag is latest", (p) => (c0(p).image = "edoburu/pgbouncer:latest"), /uses a moving tag/],
]);
it("k8s-third-party-image-fixed accepts a major.minor release with a suffix (postgres:16.10-alpine)", () => {
  const postgres = structuredClone(pgbouncer);
  postgres.spec.template.spec.containers[0].image = "postgres:16.10-alpine";
  expect(violations(pods.thirdPartyImageFixed, T.deployment, postgres)).toEqual([]);
});
describeResourceRule(pods.imageDigest, T.deployment, worker, [
  ["the image is a tag", (p) => (c0(p).image = "edoburu/pgbouncer:v1.24.1-p1"), /has no digest/],
]);

const release = {
  chart: "cluster-autoscaler",
  version: "9.54.0",
  repositoryOpts: { repo: "https://kubernetes.github.io/autoscaler" },
  values: { image: { tag: "v1.35.0" }, rbac: { serviceAccount: { name: "cluster-autoscaler" } } },
};
describeResourceRule(pods.helmReleasePinned, "kubernetes:helm.sh/v3:Release", release, [
  [
    "the chart version is a range",
    (p) => (p.version = "^9.54.0"),
    /chart version "\^9\.54\.0" is not an exact x\.y\.z/,
  ],
  ["the chart version is unset", (p) => delete p.version, /chart version "\(unset\)"/],
  ["the repository is plain HTTP", (p) => (p.repositoryOpts.repo = "http://charts.example.com"), /is not https/],
  ["the image tag is latest", (p) => (p.values.image.tag = "latest"), /values\.image\.tag is "latest"/],
  [
    "a component's image tag is empty",
    (p) => (p.values.webhooks = { image: { tag: "" } }),
    /values\.webhooks\.image\.tag is ""/,
  ],
]);

describeResourceRule(
  pods.configMapNoCredentials,
  "kubernetes:core/v1:ConfigMap",
  {
    data: {
      "pgbouncer.ini":
        "[databases]\nstoryforge = host=db port=5432 dbname=storyforge\n[pgbouncer]\nauth_type = scram-sha-256\nauth_file = /etc/pgbouncer/userlist.txt\n",
    },
  },
  [
    [
      "a database line carries a password",
      (p) => (p.data["pgbouncer.ini"] += "storyforge_admin = host=db password=hunter2\n"),
      /data\["pgbouncer\.ini"\] holds a credential/,
    ],
  ],
);
describeResourceRule(pods.noDefaultNamespace, T.deployment, worker, [
  ["it runs in default", (p) => (p.metadata.namespace = "default"), /runs in the default namespace/],
  ["it names no namespace", (p) => delete p.metadata.namespace, /runs in the default namespace/],
]);
it("k8s-no-host-namespaces: a node agent's waiver of host-network leaves host-pid in force", () => {
  const agent = structuredClone(worker);
  agent.spec.template.spec = { ...agent.spec.template.spec, hostNetwork: true, hostPID: true } as never;
  const exempt = [
    { resource: "subject", check: "host-network", reason: "node exporter reads host metrics", expires: "2099-01-01" },
  ];
  expect(violations(pods.noHostNamespaces, T.deployment, agent, { config: { exempt } })).toEqual([
    expect.stringMatching(/`hostPID: true`/),
  ]);
});

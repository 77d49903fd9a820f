/**
 * Pods to the Kubernetes Pod Security Standards (restricted) and what CIS EKS §4 and Checkov add: host
 * namespaces, host paths, volume types, capabilities, seccomp, host ports, service-account tokens, literal secrets,
 * namespace labels, image provenance and Helm pins. Helm releases hide their rendered pods, so the chart values
 * the pack knows are checked instead (research note §2).
 */
import { asArray, resourceRule, type Props, type Rule } from "./kit";
import { POD_OWNERS, podSpecOf } from "./workloads";

interface Container {
  name: string;
  props: Props;
}

function containersOf(type: string, props: Props): Container[] {
  const pod = podSpecOf(type, props);
  return [...asArray(pod.initContainers), ...asArray(pod.containers), ...asArray(pod.ephemeralContainers)].map(
    (c: Props) => ({ name: String(c?.name ?? "?"), props: c ?? {} }),
  );
}

const HOST_NAMESPACES: ReadonlyArray<[string, string]> = [
  ["hostNetwork", "host-network"],
  ["hostPID", "host-pid"],
  ["hostIPC", "host-ipc"],
];

export const noHostNamespaces = resourceRule({
  name: "k8s-no-host-namespaces",
  description:
    "Pods share no host namespace: hostNetwork, hostPID and hostIPC are unset or false (checks host-network, host-pid, host-ipc, each waivable alone for a node agent).",
  level: "M",
  checks: HOST_NAMESPACES.map(([, check]) => check),
  sources: [
    'PSS Baseline "Host Namespaces"',
    "CKV_K8S_19",
    "CKV_K8S_17",
    "CKV_K8S_18",
    "CIS EKS 4.2.4",
    "CIS EKS 4.2.2",
    "CIS EKS 4.2.3",
    "Polaris hostNetworkSet, hostPIDSet, hostIPCSet",
  ],
  types: POD_OWNERS,
  check: (props, ctx, report) => {
    const pod = podSpecOf(ctx.type, props);
    for (const [field, check] of HOST_NAMESPACES) if (pod[field] === true) report(`pod sets \`${field}: true\``, check);
  },
});

export const noHostPath = resourceRule({
  name: "k8s-no-hostpath",
  description: "Pods mount no hostPath volume.",
  level: "M",
  sources: [
    'PSS Baseline "HostPath Volumes"',
    "Polaris hostPathSet",
    "kube-linter sensitive-host-mounts",
    "CKV_K8S_27 (docker socket)",
  ],
  types: POD_OWNERS,
  check: (props, ctx, report) => {
    for (const v of asArray(podSpecOf(ctx.type, props).volumes)) {
      if (v?.hostPath !== undefined)
        report(`volume "${String(v.name)}" mounts the host path ${JSON.stringify(v.hostPath?.path)}`);
    }
  },
});

const RESTRICTED_VOLUMES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

export const restrictedVolumeTypes = resourceRule({
  name: "k8s-restricted-volume-types",
  description: `Pods use only the volume types the restricted profile allows (${RESTRICTED_VOLUMES.join(", ")}).`,
  level: "M",
  sources: ['PSS Restricted "Volume Types"'],
  types: POD_OWNERS,
  check: (props, ctx, report) => {
    for (const v of asArray(podSpecOf(ctx.type, props).volumes)) {
      const kinds = Object.keys(v ?? {}).filter((k) => k !== "name");
      const other = kinds.filter((k) => !RESTRICTED_VOLUMES.includes(k) && k !== "hostPath");
      if (other.length > 0) report(`volume "${String(v.name)}" is of type ${other.join(", ")}`);
    }
  },
});

export const capabilitiesRestricted = resourceRule({
  name: "k8s-capabilities-restricted",
  description: "Every container drops ALL capabilities and adds back at most NET_BIND_SERVICE.",
  level: "M",
  sources: [
    'PSS Restricted "Capabilities"',
    'PSS Baseline "Capabilities"',
    "CKV_K8S_37",
    "CKV_K8S_39",
    "CKV_K8S_28",
    "Polaris dangerousCapabilities, insecureCapabilities",
  ],
  types: POD_OWNERS,
  check: (props, ctx, report) => {
    for (const c of containersOf(ctx.type, props)) {
      const caps: Props = c.props.securityContext?.capabilities ?? {};
      if (!asArray(caps.drop).includes("ALL")) report(`container "${c.name}" does not drop ALL capabilities`);
      const added = asArray(caps.add).filter((a) => String(a).replace(/^CAP_/, "") !== "NET_BIND_SERVICE");
      if (added.length > 0) report(`container "${c.name}" adds capabilities ${added.join(", ")}`);
    }
  },
});

const SECCOMP_OK = ["RuntimeDefault", "Localhost"];

export const seccompRuntimeDefault = resourceRule({
  name: "k8s-seccomp-runtime-default",
  description:
    "Every container runs under the RuntimeDefault (or a Localhost) seccomp profile, set on the pod or on it.",
  level: "M",
  sources: ['PSS Restricted "Seccomp"', "CKV_K8S_31", "kube-score container-seccomp-profile"],
  types: POD_OWNERS,
  check: (props, ctx, report) => {
    const podProfile: unknown = podSpecOf(ctx.type, props).securityContext?.seccompProfile?.type;
    for (const c of containersOf(ctx.type, props)) {
      const profile: unknown = c.props.securityContext?.seccompProfile?.type ?? podProfile;
      if (!SECCOMP_OK.includes(profile as string))
        report(`container "${c.name}" runs with seccomp ${JSON.stringify(profile ?? "(unset: Unconfined)")}`);
    }
  },
});

export const noHostPorts = resourceRule({
  name: "k8s-no-host-ports",
  description: "No container binds a host port.",
  level: "M",
  sources: ['PSS Baseline "Host Ports"', "CKV_K8S_26", "Polaris hostPortSet"],
  types: POD_OWNERS,
  check: (props, ctx, report) => {
    for (const c of containersOf(ctx.type, props)) {
      for (const port of asArray(c.props.ports))
        if (typeof port?.hostPort === "number" && port.hostPort !== 0)
          report(`container "${c.name}" binds host port ${port.hostPort}`);
    }
  },
});

export const saTokenNotAutomounted = resourceRule({
  name: "k8s-sa-token-not-automounted",
  description:
    "Pods do not mount a Kubernetes API token (automountServiceAccountToken: false); IRSA still works, its webhook projects its own token.",
  level: "T",
  sources: ["CKV_K8S_38", "CIS EKS 4.1.6", "Polaris automountServiceAccountToken"],
  types: POD_OWNERS,
  check: (props, ctx, report) => {
    if (podSpecOf(ctx.type, props).automountServiceAccountToken !== false)
      report("pod mounts a service-account token (`automountServiceAccountToken` is not false)");
  },
});

/** Polaris sensitiveContainerEnvVar's and kube-linter env-var-secret's names, and values that carry a credential. */
const SECRET_NAME = /(secret|password|passwd|token|bearer|api[-_]?key|private[-_]?key|credential)/i;
const CREDENTIAL_VALUE = /^[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@|-----BEGIN [A-Z ]*PRIVATE KEY-----/i;

export const noSecretLiteralEnv = resourceRule({
  name: "k8s-no-secret-literal-env",
  description:
    "No container sets a secret as a literal env value (a secret-looking name, a URL with a password, a private key): secrets come from a Secret (valueFrom).",
  level: "M",
  sources: ["Polaris sensitiveContainerEnvVar", "kube-linter env-var-secret", "CIS EKS 4.4.1 (related)"],
  types: POD_OWNERS,
  check: (props, ctx, report) => {
    for (const c of containersOf(ctx.type, props)) {
      for (const env of asArray(c.props.env)) {
        if (typeof env?.value !== "string" || env.value === "") continue;
        if (SECRET_NAME.test(String(env.name)))
          report(`container "${c.name}" sets ${String(env.name)} as a literal value; use valueFrom.secretKeyRef`);
        else if (CREDENTIAL_VALUE.test(env.value))
          report(`container "${c.name}" env ${String(env.name)} holds a credential in its literal value`);
      }
    }
  },
});

export const secretsAsFiles = resourceRule({
  name: "k8s-secrets-as-files",
  description:
    "Containers read secrets from files rather than env. Advisory: the API and worker take DATABASE_URL, REDIS_URL and JWT_SECRET through secretKeyRef env by design (they are never literal, which k8s-no-secret-literal-env enforces).",
  level: "A",
  sources: ["CKV_K8S_35", "kube-linter read-secret-from-env-var"],
  types: POD_OWNERS,
  check: (props, ctx, report) => {
    for (const c of containersOf(ctx.type, props)) {
      const fromSecret = asArray(c.props.env).filter((e) => e?.valueFrom?.secretKeyRef !== undefined);
      if (fromSecret.length > 0)
        report(`container "${c.name}" reads ${fromSecret.map((e) => String(e.name)).join(", ")} from secrets as env`);
      if (asArray(c.props.envFrom).some((e) => e?.secretRef !== undefined))
        report(`container "${c.name}" loads a whole secret as env (envFrom.secretRef)`);
    }
  },
});

const ENFORCE = "pod-security.kubernetes.io/enforce";

export const namespacePssEnforced = resourceRule({
  name: "k8s-namespace-pss-enforced",
  description:
    "Every namespace the stack declares enforces the restricted Pod Security Standard (pod-security.kubernetes.io/enforce: restricted, with enforce-version).",
  level: "M",
  checks: ["k8s-namespace-pss-enforced", "baseline", "privileged"],
  sources: ["Kubernetes Pod Security Admission", "PSS Restricted", "CIS EKS 4.2"],
  types: ["kubernetes:core/v1:Namespace"],
  check: (props, _ctx, report) => {
    const labels: Props = props.metadata?.labels ?? {};
    const level: unknown = labels[ENFORCE];
    // baseline and privileged are checks of their own, so one namespace that must run a node agent (host paths,
    // host network) can be waived alone, with its reason and expiry; a missing label never can be.
    if (level === "baseline") report(`enforces baseline, not restricted (${ENFORCE})`, "baseline");
    else if (level === "privileged") report(`enforces "privileged", not restricted (${ENFORCE})`, "privileged");
    else if (level !== "restricted")
      report(`enforces ${JSON.stringify(level ?? "nothing")}, not restricted (${ENFORCE})`);
    // The privileged level admits everything whatever the version; the others change with it.
    if (level !== "privileged" && typeof labels[`${ENFORCE}-version`] !== "string")
      report(`sets no ${ENFORCE}-version`);
  },
});

const DIGEST = /@sha256:[0-9a-f]{64}$/;
const ECR = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//;
/**
 * A release tag: at least major.minor (PostgreSQL's releases are 16.10), optionally patch and a suffix (v1.24.1-p1,
 * 16.10-alpine); a bare major (`1`, `v1`) or a channel (`latest`, `stable`) follows whatever is pushed next.
 */
const FIXED_VERSION = /^v?\d+\.\d+(\.\d+)?([-.+][0-9A-Za-z.-]+)?$/;

function tagOf(image: string): string | undefined {
  const at = image.indexOf("@");
  const name = at === -1 ? image : image.slice(0, at);
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(colon + 1) : undefined;
}

export const thirdPartyImageFixed = resourceRule({
  name: "k8s-third-party-image-fixed",
  description:
    "Images from outside this account's ECR are pinned to a digest or to a release tag (at least major.minor: 16.10-alpine, v1.24.1-p1), never a moving tag such as `1`, `v2`, `latest` or `stable`.",
  level: "M",
  sources: ["CKV_K8S_14", "CIS EKS 5.1.4", "Polaris tagNotSpecified", "kube-linter latest-tag"],
  types: POD_OWNERS,
  check: (props, ctx, report) => {
    for (const c of containersOf(ctx.type, props)) {
      const image: unknown = c.props.image;
      if (typeof image !== "string" || ECR.test(image) || DIGEST.test(image)) continue;
      const tag = tagOf(image);
      if (tag === undefined || !FIXED_VERSION.test(tag))
        report(
          `container "${c.name}" image "${image}" uses a moving tag; pin a digest or a release (major.minor at least)`,
        );
    }
  },
});

export const imageDigest = resourceRule({
  name: "k8s-image-digest",
  description:
    "Every image is pinned by digest. Advisory: the PgBouncer image is a third-party x.y.z tag until the program pins its digest (k8s-third-party-image-fixed is the mandatory floor).",
  level: "A",
  sources: ["CKV_K8S_43"],
  types: POD_OWNERS,
  check: (props, ctx, report) => {
    for (const c of containersOf(ctx.type, props)) {
      if (typeof c.props.image !== "string" || !DIGEST.test(c.props.image))
        report(`container "${c.name}" image ${JSON.stringify(c.props.image ?? "(none)")} has no digest`);
    }
  },
});

const EXACT_SEMVER = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** Every `image.tag` in a values tree (charts name it `image.tag`, `<component>.image.tag`). */
function imageTags(values: unknown, path = "values"): Array<[string, unknown]> {
  if (typeof values !== "object" || values === null) return [];
  return Object.entries(values as Props).flatMap(([k, v]): Array<[string, unknown]> => {
    if (k === "image" && typeof v === "object" && v !== null && "tag" in v) return [[`${path}.image.tag`, v.tag]];
    return imageTags(v, `${path}.${k}`);
  });
}

export const helmReleasePinned = resourceRule({
  name: "helm-release-pinned",
  description:
    "Helm releases pin an exact chart version from an https repository, and any image tag they set is fixed (not latest or empty).",
  level: "M",
  sources: ["kube-linter latest-tag (analog)", "Polaris tagNotSpecified (analog)", "Helm docs: chart version pinning"],
  types: ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"],
  check: (props, _ctx, report) => {
    if (typeof props.version !== "string" || !EXACT_SEMVER.test(props.version))
      report(`chart version ${JSON.stringify(props.version ?? "(unset)")} is not an exact x.y.z`);
    const repo: unknown = props.repositoryOpts?.repo;
    if (typeof repo === "string" && !repo.startsWith("https://") && !repo.startsWith("oci://"))
      report(`chart repository ${repo} is not https`);
    for (const [path, tag] of imageTags(props.values)) {
      if (typeof tag !== "string" || tag === "" || tag === "latest")
        report(`${path} is ${JSON.stringify(tag)}; pin a release`);
    }
  },
});

export const configMapNoCredentials = resourceRule({
  name: "k8s-configmap-no-credentials",
  description:
    "ConfigMaps hold no credentials (password=…, a URL with a password, a private key): those go in Secrets.",
  level: "M",
  sources: ["Polaris sensitiveConfigmapContent"],
  types: ["kubernetes:core/v1:ConfigMap"],
  check: (props, _ctx, report) => {
    for (const [key, value] of Object.entries((props.data ?? {}) as Props)) {
      if (typeof value !== "string") continue;
      if (
        /(^|\s)password\s*=\s*\S/im.test(value) ||
        CREDENTIAL_VALUE.test(value) ||
        /:\/\/[^\s/:@]+:[^\s/@]+@/.test(value)
      )
        report(`data["${key}"] holds a credential`);
    }
  },
});

export const noDefaultNamespace = resourceRule({
  name: "k8s-no-default-namespace",
  description: "Workloads run in a namespace of their own, never `default`.",
  level: "M",
  sources: ["CKV_K8S_21", "CIS EKS 4.5.2 (v1.7/v1.8)", "kube-linter use-namespace"],
  types: POD_OWNERS,
  check: (props, _ctx, report) => {
    const ns: unknown = props.metadata?.namespace;
    if (ns === undefined || ns === "default") report("runs in the default namespace");
  },
});

export const podRules: readonly Rule[] = [
  noHostNamespaces,
  noHostPath,
  restrictedVolumeTypes,
  capabilitiesRestricted,
  seccompRuntimeDefault,
  noHostPorts,
  saTokenNotAutomounted,
  noSecretLiteralEnv,
  secretsAsFiles,
  namespacePssEnforced,
  thirdPartyImageFixed,
  imageDigest,
  helmReleasePinned,
  configMapNoCredentials,
  noDefaultNamespace,
];

/**
 * Validates the Kubernetes objects a plan declares against their API version's schema, so a typo or a wrong type
 * fails in CI instead of at `pulumi up` (issue 3 "Done when"): built-in kinds with `kubernetes-models` (the
 * Kubernetes OpenAPI schemas, `validate()` on the model classes), the KEDA ScaledObject and TriggerAuthentication and the AWS Load Balancer
 * Controller's TargetGroupBinding with JSON schemas written from their upstream CRDs (ajv).
 *
 * The CRD schemas below are strict (`additionalProperties: false`): the API server would prune an unknown field
 * silently, which is exactly the mistake worth catching here.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";

/** How the plan masks secret values (infra/lib/inventory.ts). */
export const SECRET_MASK = "[secret]";

/** A plan resource of a Kubernetes object type: `kubernetes:<group>/<version>:<Kind>`. */
export interface K8sResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface ValidationResult {
  resource: string;
  type: string;
  /** Problems, each naming the field (`spec.template.spec.containers[0].image: must be string`). Empty when valid. */
  errors: string[];
  /** Paths whose value was a masked secret and so was left out of the check (Secret `stringData`). */
  masked: string[];
}

/** Pulumi resource types that are not Kubernetes objects (nothing to validate). */
const NOT_OBJECTS = new Set([
  "pulumi:providers:kubernetes",
  "kubernetes:helm.sh/v3:Release",
  "kubernetes:helm.sh/v4:Chart",
]);

const int32 = { type: "integer", minimum: -2147483648, maximum: 2147483647 };
const intOrString = { anyOf: [{ type: "integer" }, { type: "string" }] };
const objectMeta = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 253 },
    namespace: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 },
    labels: { type: "object", additionalProperties: { type: "string" } },
    annotations: { type: "object", additionalProperties: { type: "string" } },
  },
};
const scalingRules = {
  type: "object",
  additionalProperties: false,
  properties: {
    policies: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["type", "value", "periodSeconds"],
        properties: {
          type: { enum: ["Pods", "Percent"] },
          value: { ...int32, minimum: 1 },
          periodSeconds: { ...int32, minimum: 1, maximum: 1800 },
        },
      },
    },
    selectPolicy: { enum: ["Max", "Min", "Disabled"] },
    stabilizationWindowSeconds: { ...int32, minimum: 0, maximum: 3600 },
    tolerance: intOrString,
  },
};

/**
 * keda.sh/v1alpha1 ScaledObject, from kedacore/keda config/crd/bases/keda.sh_scaledobjects.yaml (v2.x):
 * spec.scaleTargetRef and spec.triggers required; trigger `type` and `metadata` (string map) required;
 * metricType one of AverageValue, Value, Utilization.
 */
export const SCALED_OBJECT_SCHEMA = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { const: "keda.sh/v1alpha1" },
    kind: { const: "ScaledObject" },
    metadata: objectMeta,
    spec: {
      type: "object",
      additionalProperties: false,
      required: ["scaleTargetRef", "triggers"],
      properties: {
        scaleTargetRef: {
          type: "object",
          additionalProperties: false,
          required: ["name"],
          properties: {
            apiVersion: { type: "string" },
            kind: { type: "string" },
            name: { type: "string" },
            envSourceContainerName: { type: "string" },
          },
        },
        pollingInterval: int32,
        cooldownPeriod: int32,
        initialCooldownPeriod: int32,
        idleReplicaCount: int32,
        minReplicaCount: { ...int32, minimum: 0 },
        maxReplicaCount: { ...int32, minimum: 1 },
        fallback: {
          type: "object",
          additionalProperties: false,
          required: ["failureThreshold", "replicas"],
          properties: {
            failureThreshold: int32,
            replicas: int32,
            behavior: { enum: ["static", "currentReplicas", "currentReplicasIfHigher", "currentReplicasIfLower"] },
          },
        },
        advanced: {
          type: "object",
          additionalProperties: false,
          properties: {
            restoreToOriginalReplicaCount: { type: "boolean" },
            horizontalPodAutoscalerConfig: {
              type: "object",
              additionalProperties: false,
              properties: {
                name: { type: "string" },
                behavior: {
                  type: "object",
                  additionalProperties: false,
                  properties: { scaleUp: scalingRules, scaleDown: scalingRules },
                },
              },
            },
            scalingModifiers: { type: "object" },
          },
        },
        triggers: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            additionalProperties: false,
            required: ["type", "metadata"],
            properties: {
              type: { type: "string", minLength: 1 },
              name: { type: "string" },
              useCachedMetrics: { type: "boolean" },
              metricType: { enum: ["AverageValue", "Value", "Utilization"] },
              metadata: { type: "object", additionalProperties: { type: "string" } },
              authenticationRef: {
                type: "object",
                required: ["name"],
                properties: { name: { type: "string" }, kind: { type: "string" } },
              },
            },
          },
        },
      },
    },
  },
} as const;

/**
 * keda.sh/v1alpha1 TriggerAuthentication, from kedacore/keda config/crd/bases/keda.sh_triggerauthentications.yaml:
 * podIdentity with a required provider from the CRD's enum, identityOwner keda|workload, and the CRD's other fields;
 * roleArn and identityOwner are "mutually exclusive" (the CRD's field descriptions; KEDA's admission webhook refuses
 * both), which the schema checks here so the plan fails first. The other sources (secrets, Vault, cloud secret
 * stores) are accepted as objects or lists without looking inside.
 */
export const TRIGGER_AUTHENTICATION_SCHEMA = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { const: "keda.sh/v1alpha1" },
    kind: { const: "TriggerAuthentication" },
    metadata: objectMeta,
    spec: {
      type: "object",
      additionalProperties: false,
      properties: {
        podIdentity: {
          type: "object",
          additionalProperties: false,
          required: ["provider"],
          properties: {
            provider: { enum: ["azure-workload", "gcp", "aws", "aws-eks", "none"] },
            identityOwner: { enum: ["keda", "workload"] },
            roleArn: { type: "string" },
            identityId: { type: "string" },
            identityTenantId: { type: "string" },
            identityAuthorityHost: { type: "string" },
            externalID: { type: "string" },
          },
          not: { required: ["roleArn", "identityOwner"] },
        },
        secretTargetRef: { type: "array" },
        env: { type: "array" },
        configMapTargetRef: { type: "array" },
        hashiCorpVault: { type: "object" },
        azureKeyVault: { type: "object" },
        awsSecretManager: { type: "object" },
        gcpSecretManager: { type: "object" },
        boundServiceAccountToken: { type: "array" },
      },
    },
  },
} as const;

/**
 * elbv2.k8s.aws/v1beta1 TargetGroupBinding, from kubernetes-sigs/aws-load-balancer-controller
 * config/crd/bases/elbv2.k8s.aws_targetgroupbindings.yaml: serviceRef (name, port) required; targetType instance|ip;
 * ipAddressType ipv4|ipv6; networking.ingress rules.
 */
export const TARGET_GROUP_BINDING_SCHEMA = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { const: "elbv2.k8s.aws/v1beta1" },
    kind: { const: "TargetGroupBinding" },
    metadata: objectMeta,
    spec: {
      type: "object",
      additionalProperties: false,
      required: ["serviceRef"],
      anyOf: [{ required: ["targetGroupARN"] }, { required: ["targetGroupName"] }],
      properties: {
        targetGroupARN: { type: "string", pattern: "^arn:[^:]+:elasticloadbalancing:[^:]*:\\d{12}:targetgroup/.+" },
        targetGroupName: { type: "string" },
        targetType: { enum: ["instance", "ip"] },
        ipAddressType: { enum: ["ipv4", "ipv6"] },
        vpcID: { type: "string" },
        multiClusterTargetGroup: { type: "boolean" },
        nodeSelector: { type: "object" },
        serviceRef: {
          type: "object",
          additionalProperties: false,
          required: ["name", "port"],
          properties: { name: { type: "string", minLength: 1 }, port: intOrString },
        },
        networking: {
          type: "object",
          additionalProperties: false,
          properties: {
            ingress: {
              type: "array",
              items: {
                type: "object",
                required: ["from", "ports"],
                properties: {
                  from: { type: "array", items: { type: "object" } },
                  ports: {
                    type: "array",
                    items: { type: "object", properties: { port: intOrString, protocol: { enum: ["TCP", "UDP"] } } },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const CRD_VALIDATORS: Record<string, ValidateFunction> = {
  "kubernetes:keda.sh/v1alpha1:ScaledObject": ajv.compile(SCALED_OBJECT_SCHEMA),
  "kubernetes:keda.sh/v1alpha1:TriggerAuthentication": ajv.compile(TRIGGER_AUTHENTICATION_SCHEMA),
  "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding": ajv.compile(TARGET_GROUP_BINDING_SCHEMA),
};

/** `/spec/triggers/0/metadata` → `spec.triggers[0].metadata`. */
function dotted(pointer: string): string {
  return pointer
    .replace(/^\/+/, "")
    .split("/")
    .filter((p) => p !== "")
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : `${i === 0 ? "" : "."}${p}`))
    .join("");
}

function ajvMessage(e: ErrorObject): string {
  const at = dotted(e.instancePath);
  if (e.keyword === "additionalProperties")
    return `${at ? `${at}.` : ""}${(e.params as { additionalProperty: string }).additionalProperty}: is not a field of this schema`;
  if (e.keyword === "required")
    return `${at ? `${at}.` : ""}${(e.params as { missingProperty: string }).missingProperty}: is required`;
  return `${at || "(object)"}: ${e.message ?? e.keyword}${e.keyword === "enum" ? ` (${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)})` : ""}`;
}

/** A copy of `value` without masked secrets, and the paths removed. */
function unmask(value: unknown, path: string, masked: string[]): unknown {
  if (value === SECRET_MASK) {
    masked.push(path);
    return undefined;
  }
  if (Array.isArray(value)) return value.map((v, i) => unmask(v, `${path}[${i}]`, masked));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const u = unmask(v, path === "" ? k : `${path}.${k}`, masked);
      if (u !== undefined) out[k] = u;
    }
    return out;
  }
  return value;
}

/** The kubernetes-models class for `kubernetes:<group>/<version>:<Kind>`, or undefined when the package has none. */
function modelClass(type: string): (new (data: unknown) => { validate(): void }) | undefined {
  const m = /^kubernetes:([^/]+)\/([^:]+):(\w+)$/.exec(type);
  if (!m) return undefined;
  const [, group, version, kind] = m;
  const path = group === "core" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path) as Record<string, unknown>;
    return mod[kind] as (new (data: unknown) => { validate(): void }) | undefined;
  } catch {
    return undefined;
  }
}

/** kubernetes-models reports `data/spec/template/...: must be ...`; keep the field path in dotted form. */
function modelMessages(err: unknown): string[] {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .split(/,\s*(?=data)/)
    .map((part) => part.replace(/^data(\/\S*)?/, (_all, p: string | undefined) => dotted(p ?? "") || "(object)"));
}

/** Whether a plan resource is a Kubernetes object this module validates. */
export function isKubernetesObject(type: string): boolean {
  return type.startsWith("kubernetes:") && !NOT_OBJECTS.has(type);
}

/** Validates one Kubernetes object (plan inputs: apiVersion, kind, metadata, spec...). */
export function validateK8sObject(resource: K8sResource): ValidationResult {
  const masked: string[] = [];
  const data = unmask(resource.inputs, "", masked) as Record<string, unknown>;
  const result: ValidationResult = { resource: resource.name, type: resource.type, errors: [], masked };
  const crd = CRD_VALIDATORS[resource.type];
  if (crd !== undefined) {
    if (!crd(data)) result.errors.push(...(crd.errors ?? []).map(ajvMessage));
    return result;
  }
  const Model = modelClass(resource.type);
  if (Model === undefined) {
    result.errors.push(`no schema for ${resource.type}: add its CRD schema to infra/lib/k8s-validate.ts`);
    return result;
  }
  try {
    new Model(data).validate();
  } catch (err) {
    result.errors.push(...modelMessages(err));
  }
  return result;
}

/** Validates every Kubernetes object among `resources`; returns one result per object. */
export function validatePlanObjects(resources: readonly K8sResource[]): ValidationResult[] {
  return resources.filter((r) => isKubernetesObject(r.type)).map(validateK8sObject);
}

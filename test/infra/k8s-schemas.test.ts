import {
  isKubernetesObject,
  validateK8sObject,
  validatePlanObjects,
  type K8sResource,
} from "../../infra/lib/k8s-validate";

/** A minimal valid object per schema family, each test changing one field. */
function deployment(): K8sResource {
  return {
    type: "kubernetes:apps/v1:Deployment",
    name: "api",
    inputs: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "api", namespace: "storyforge" },
      spec: {
        selector: { matchLabels: { app: "api" } },
        template: {
          metadata: { labels: { app: "api" } },
          spec: {
            containers: [
              { name: "api", image: "repo@sha256:" + "a".repeat(64), securityContext: { runAsNonRoot: true } },
            ],
          },
        },
      },
    },
  };
}

function scaledObject(): K8sResource {
  return {
    type: "kubernetes:keda.sh/v1alpha1:ScaledObject",
    name: "worker",
    inputs: {
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: { name: "worker", namespace: "storyforge" },
      spec: {
        scaleTargetRef: { name: "worker" },
        minReplicaCount: 2,
        maxReplicaCount: 20,
        triggers: [
          {
            type: "metrics-api",
            metricType: "AverageValue",
            metadata: { url: "http://api:3000/internal/queue-depth", valueLocation: "depth", targetValue: "10" },
          },
        ],
      },
    },
  };
}

/** The API's: KEDA's operator signs the workspace queries with its own IRSA role. */
function triggerAuthentication(): K8sResource {
  return {
    type: "kubernetes:keda.sh/v1alpha1:TriggerAuthentication",
    name: "prometheus-workspace",
    inputs: {
      apiVersion: "keda.sh/v1alpha1",
      kind: "TriggerAuthentication",
      metadata: { name: "prometheus-workspace", namespace: "storyforge" },
      spec: { podIdentity: { provider: "aws", identityOwner: "keda" } },
    },
  };
}

function binding(): K8sResource {
  return {
    type: "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding",
    name: "api",
    inputs: {
      apiVersion: "elbv2.k8s.aws/v1beta1",
      kind: "TargetGroupBinding",
      metadata: { name: "api", namespace: "storyforge" },
      spec: {
        serviceRef: { name: "api", port: 3000 },
        targetGroupARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/abc",
        targetType: "ip",
      },
    },
  };
}

function set(resource: K8sResource, path: string, value: unknown): K8sResource {
  const copy = structuredClone(resource);
  const parts = path.split(".");
  let node: Record<string, any> = copy.inputs;
  for (const p of parts.slice(0, -1)) node = node[p];
  if (value === undefined) delete node[parts[parts.length - 1]];
  else node[parts[parts.length - 1]] = value;
  return copy;
}

describe("Kubernetes schema validation", () => {
  test("valid objects of each schema family pass", () => {
    expect(
      validatePlanObjects([deployment(), scaledObject(), triggerAuthentication(), binding()]).map((r) => r.errors),
    ).toEqual([[], [], [], []]);
  });

  test("a built-in object with a wrongly typed field fails naming the field", () => {
    const broken = set(deployment(), "spec.template.spec.containers", [
      { name: "api", image: "x", securityContext: { runAsNonRoot: "yes" } },
    ]);
    expect(validateK8sObject(broken).errors).toEqual([
      "spec.template.spec.containers[0].securityContext.runAsNonRoot must be boolean",
    ]);
  });

  test("a built-in object missing a required field fails naming it", () => {
    const broken = set(deployment(), "spec.selector", undefined);
    expect(validateK8sObject(broken).errors.join("\n")).toMatch(/selector/);
  });

  test("a ScaledObject trigger with a numeric metadata value fails naming the field (KEDA metadata is a string map)", () => {
    const so = scaledObject();
    (so.inputs as any).spec.triggers[0].metadata.targetValue = 10;
    expect(validateK8sObject(so).errors).toEqual(["spec.triggers[0].metadata.targetValue: must be string"]);
  });

  test("a ScaledObject with a misspelt field fails naming it instead of being pruned silently", () => {
    const so = set(scaledObject(), "spec.maxReplicas", 20);
    expect(validateK8sObject(so).errors).toEqual(["spec.maxReplicas: is not a field of this schema"]);
  });

  test("a ScaledObject without triggers fails", () => {
    expect(validateK8sObject(set(scaledObject(), "spec.triggers", undefined)).errors).toEqual([
      "spec.triggers: is required",
    ]);
  });

  test("a TriggerAuthentication with a provider outside the CRD's list, a misspelt field or no provider fails naming it", () => {
    expect(validateK8sObject(set(triggerAuthentication(), "spec.podIdentity.provider", "aws-irsa")).errors).toEqual([
      'spec.podIdentity.provider: must be equal to one of the allowed values (["azure-workload","gcp","aws","aws-eks","none"])',
    ]);
    expect(
      validateK8sObject(set(triggerAuthentication(), "spec.podIdentity", { provider: "aws", identityOwnr: "keda" }))
        .errors,
    ).toEqual(["spec.podIdentity.identityOwnr: is not a field of this schema"]);
    expect(
      validateK8sObject(set(triggerAuthentication(), "spec.podIdentity", { identityOwner: "keda" })).errors,
    ).toEqual(["spec.podIdentity.provider: is required"]);
  });

  test("a TriggerAuthentication with both roleArn and identityOwner fails (KEDA: mutually exclusive)", () => {
    const both = set(triggerAuthentication(), "spec.podIdentity", {
      provider: "aws",
      identityOwner: "keda",
      roleArn: "arn:aws:iam::123456789012:role/keda",
    });
    expect(validateK8sObject(both).errors).toHaveLength(1);
    expect(validateK8sObject(set(both, "spec.podIdentity.identityOwner", undefined)).errors).toEqual([]);
  });

  test("a TargetGroupBinding with an unknown targetType or without serviceRef fails naming the field", () => {
    expect(validateK8sObject(set(binding(), "spec.targetType", "pod")).errors).toEqual([
      'spec.targetType: must be equal to one of the allowed values (["instance","ip"])',
    ]);
    expect(validateK8sObject(set(binding(), "spec.serviceRef", undefined)).errors).toEqual([
      "spec.serviceRef: is required",
    ]);
  });

  test("masked secret values are left out of the check and reported", () => {
    const secret: K8sResource = {
      type: "kubernetes:core/v1:Secret",
      name: "s",
      inputs: { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: "[secret]" },
    };
    expect(validateK8sObject(secret)).toMatchObject({ errors: [], masked: ["stringData"] });
  });

  test("a kind with no schema is an error, and Helm releases are not objects", () => {
    expect(validateK8sObject({ type: "kubernetes:example.com/v1:Widget", name: "w", inputs: {} }).errors).toEqual([
      "no schema for kubernetes:example.com/v1:Widget: add its CRD schema to infra/lib/k8s-validate.ts",
    ]);
    expect(isKubernetesObject("kubernetes:helm.sh/v3:Release")).toBe(false);
  });
});

import * as autoscaling from "../../policies/rules/autoscaling";
import * as workloads from "../../policies/rules/workloads";
import { apiDeployment, apiHpa, apiPdb, migrateJob, T, workerScaledObject } from "./fixtures";
import { describeResourceRule, mutate, stackViolations, violations } from "./support";

const container = (p: any) => p.spec.template.spec.containers[0];

describeResourceRule(workloads.containerResources, T.deployment, apiDeployment, [
  [
    "the CPU request is missing",
    (p) => delete container(p).resources.requests.cpu,
    /container "api" sets no requests\.cpu/,
  ],
  ["the memory limit is missing", (p) => delete container(p).resources.limits.memory, /sets no limits\.memory/],
]);
describeResourceRule(workloads.containerResources, T.job, migrateJob, [
  [
    "a Job's container sets no resources",
    (p) => delete container(p).resources,
    /requests\.cpu, requests\.memory, limits\.cpu, limits\.memory/,
  ],
]);

describeResourceRule(workloads.readinessProbe, T.deployment, apiDeployment, [
  ["the readiness probe is missing", (p) => delete container(p).readinessProbe, /no readiness probe/],
]);
it("k8s-readiness-probe does not ask run-to-completion Jobs for probes", () => {
  expect(violations(workloads.readinessProbe, T.job, migrateJob)).toEqual([]);
});

describeResourceRule(workloads.livenessProbe, T.deployment, apiDeployment, [
  ["the liveness probe is missing", (p) => delete container(p).livenessProbe, /no liveness probe/],
  [
    "liveness checks the readiness endpoint",
    (p) => (container(p).livenessProbe.httpGet.path = "/ready"),
    /same check for liveness and readiness/,
  ],
]);

describeResourceRule(workloads.imagePinned, T.deployment, apiDeployment, [
  [
    "the image is tagged latest",
    (p) => (container(p).image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/storyforge-api:latest"),
    /is not pinned/,
  ],
  [
    "the image has no tag",
    (p) => (container(p).image = "registry:5000/storyforge-api"),
    /"registry:5000\/storyforge-api" is not pinned/,
  ],
]);
it("k8s-image-pinned accepts a digest", () => {
  expect(violations(workloads.imagePinned, T.job, migrateJob)).toEqual([]);
});

describeResourceRule(workloads.securityContext, T.deployment, apiDeployment, [
  [
    "the pod does not require a non-root user",
    (p) => (p.spec.template.spec.securityContext.runAsNonRoot = false),
    /may run as root/,
  ],
  [
    "the root filesystem is writable",
    (p) => (container(p).securityContext.readOnlyRootFilesystem = false),
    /writable root filesystem/,
  ],
  [
    "privilege escalation is left at its default",
    (p) => delete container(p).securityContext.allowPrivilegeEscalation,
    /allows privilege escalation/,
  ],
  ["the container is privileged", (p) => (container(p).securityContext.privileged = true), /is privileged/],
  [
    "the container asks for UID 0 despite runAsNonRoot",
    (p) => (container(p).securityContext.runAsUser = 0),
    /runs as UID 0/,
  ],
]);
it("k8s-container-security-context: a waiver of one check (read-only-root-filesystem) leaves the others in force", () => {
  const writableAndPrivileged = mutate(apiDeployment, (p: any) => {
    container(p).securityContext.readOnlyRootFilesystem = false;
    container(p).securityContext.privileged = true;
  });
  const exempt = [
    {
      resource: "subject",
      check: "read-only-root-filesystem",
      reason: "legacy tool writes to /var",
      expires: "2099-01-01",
    },
  ];
  expect(violations(workloads.securityContext, T.deployment, writableAndPrivileged, { config: { exempt } })).toEqual([
    expect.stringMatching(/is privileged/),
  ]);
});

describeResourceRule(workloads.zoneSpread, T.deployment, apiDeployment, [
  [
    "the spread is by hostname only",
    (p) => (p.spec.template.spec.topologySpreadConstraints[0].topologyKey = "kubernetes.io/hostname"),
    /not spread over zones/,
  ],
]);
it("k8s-zone-spread accepts zone anti-affinity instead of a spread constraint", () => {
  const affinity = mutate(apiDeployment, (p: any) => {
    delete p.spec.template.spec.topologySpreadConstraints;
    p.spec.template.spec.affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: "topology.kubernetes.io/zone" } },
        ],
      },
    };
  });
  expect(violations(workloads.zoneSpread, T.deployment, affinity)).toEqual([]);
});

const stack = [
  { type: T.deployment, name: "api", inputs: apiDeployment },
  { type: T.hpa, name: "api-hpa", inputs: apiHpa },
  { type: T.pdb, name: "api-pdb", inputs: apiPdb },
];
const replace = (name: string, change: (p: any) => void) =>
  stack.map((r) => (r.name === name ? { ...r, inputs: mutate(r.inputs, change) } : r));

describe("k8s-min-replicas (T)", () => {
  const fixed = replace("api", (p) => (p.spec.replicas = 3)).filter((r) => r.type !== T.hpa);
  it("passes a Deployment with three fixed replicas at v2", () => {
    expect(stackViolations(workloads.minReplicas, fixed, { tier: "v2" })).toEqual([]);
  });
  it("fails two fixed replicas at v2 but passes them at v1", () => {
    const two = fixed.map((r) =>
      r.name === "api" ? { ...r, inputs: mutate(r.inputs, (p: any) => (p.spec.replicas = 2)) } : r,
    );
    expect(stackViolations(workloads.minReplicas, two, { tier: "v2" })[0]?.message).toMatch(
      /runs 2 replica\(s\) and no autoscaler; tier v2 requires at least 3/,
    );
    expect(stackViolations(workloads.minReplicas, two, { tier: "v1" })).toEqual([]);
  });
  it("leaves the count to the autoscaler when one targets the Deployment", () => {
    expect(stackViolations(workloads.minReplicas, stack, { tier: "v2" })).toEqual([]);
  });
});

describe("pdb-allows-disruption (M)", () => {
  it("passes a Deployment whose PDB allows one pod down", () => {
    expect(stackViolations(autoscaling.pdbAllowsDisruption, stack)).toEqual([]);
  });
  it("fails a Deployment without a PDB", () => {
    expect(stackViolations(autoscaling.pdbAllowsDisruption, stack.slice(0, 2))).toEqual([
      { resource: "api", message: 'Deployment "api": has no PodDisruptionBudget selecting its pods' },
    ]);
  });
  it("fails a PDB whose selector matches other pods", () => {
    expect(
      stackViolations(
        autoscaling.pdbAllowsDisruption,
        replace("api-pdb", (p) => (p.spec.selector.matchLabels.app = "worker")),
      ),
    ).toHaveLength(1);
  });
  it("fails minAvailable above the HPA minimum", () => {
    const found = stackViolations(
      autoscaling.pdbAllowsDisruption,
      replace("api-pdb", (p) => {
        delete p.spec.maxUnavailable;
        p.spec.minAvailable = 4;
      }),
    );
    expect(found[0]?.message).toMatch(/minAvailable 4 exceeds the autoscaler's minimum 3/);
  });
  it("fails minAvailable equal to the HPA minimum: no disruption allowed", () => {
    const found = stackViolations(
      autoscaling.pdbAllowsDisruption,
      replace("api-pdb", (p) => {
        delete p.spec.maxUnavailable;
        p.spec.minAvailable = "100%";
      }),
    );
    expect(found[0]?.message).toMatch(/allows no disruption at 3 replica\(s\) \(minAvailable 3\)/);
  });
  it("fails maxUnavailable 0", () => {
    expect(
      stackViolations(
        autoscaling.pdbAllowsDisruption,
        replace("api-pdb", (p) => (p.spec.maxUnavailable = 0)),
      )[0]?.message,
    ).toMatch(/maxUnavailable 0/);
  });
});

describe("autoscaler-targets-deployment (M)", () => {
  it("passes an HPA targeting a Deployment without spec.replicas", () => {
    expect(stackViolations(autoscaling.autoscalerTargetsDeployment, stack)).toEqual([]);
  });
  it("fails an HPA whose target does not exist", () => {
    expect(
      stackViolations(
        autoscaling.autoscalerTargetsDeployment,
        replace("api-hpa", (p) => (p.spec.scaleTargetRef.name = "api-v2")),
      ),
    ).toEqual([
      {
        resource: "api-hpa",
        message: expect.stringMatching(/targets Deployment "api-v2", which this stack does not declare/),
      },
    ]);
  });
  it("fails an HPA whose Deployment sets spec.replicas", () => {
    expect(
      stackViolations(
        autoscaling.autoscalerTargetsDeployment,
        replace("api", (p) => (p.spec.replicas = 3)),
      )[0]?.message,
    ).toMatch(/sets spec\.replicas/);
  });
  it("fails a KEDA ScaledObject whose target does not exist", () => {
    const keda = [...stack, { type: T.scaledObject, name: "worker-scaler", inputs: workerScaledObject }];
    expect(stackViolations(autoscaling.autoscalerTargetsDeployment, keda)).toEqual([
      { resource: "worker-scaler", message: expect.stringMatching(/targets Deployment "worker"/) },
    ]);
  });
});

describe("autoscaler-min-max (T)", () => {
  it("passes min 3, max 30 at v2", () => {
    expect(stackViolations(autoscaling.autoscalerMinMax, stack, { tier: "v2" })).toEqual([]);
  });
  it("fails min 2 at v2 but passes it at v1", () => {
    const two = replace("api-hpa", (p) => (p.spec.minReplicas = 2));
    expect(stackViolations(autoscaling.autoscalerMinMax, two, { tier: "v2" })[0]?.message).toMatch(
      /minimum is 2; tier v2 requires at least 3/,
    );
    expect(stackViolations(autoscaling.autoscalerMinMax, two, { tier: "v1" })).toEqual([]);
  });
  it("fails max equal to min", () => {
    expect(
      stackViolations(
        autoscaling.autoscalerMinMax,
        replace("api-hpa", (p) => (p.spec.maxReplicas = 3)),
      )[0]?.message,
    ).toMatch(/maximum 3 is not above the minimum 3/);
  });
  it("fails a ScaledObject that scales to zero, KEDA's default", () => {
    const zero = [
      {
        type: T.scaledObject,
        name: "worker-scaler",
        inputs: mutate(workerScaledObject, (p: any) => delete p.spec.minReplicaCount),
      },
    ];
    expect(stackViolations(autoscaling.autoscalerMinMax, zero, { tier: "v1" })[0]?.message).toMatch(/minimum is 0/);
  });
});

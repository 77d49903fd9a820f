/**
 * EKS add-on builds (stacks/kubernetes.ts) are checked before anything is created: statically against the
 * cluster's minor, and at deploy time against the newest build EKS lists (infra/lib/addon-versions.ts).
 */
import {
  addonPinAgainstNewest,
  addonPinProblem,
  compareAddonBuilds,
  parseAddonBuild,
} from "../../infra/lib/addon-versions";
import { failureOf, REPO_ROOT, readStackFile, runProgram } from "../../tools/plan/harness";
import { strictAnswers } from "../../tools/plan/mocks";
import { KUBERNETES_PINS } from "../../stacks/kubernetes";
import { PLAN_TIMEOUT_MS } from "../support/plan";

const ADDON_OF = {
  vpcCni: "vpc-cni",
  kubeProxy: "kube-proxy",
  coredns: "coredns",
  ebsCsiDriver: "aws-ebs-csi-driver",
} as const;

describe("EKS add-on builds", () => {
  test("builds order by version, then by eksbuild number", () => {
    expect(parseAddonBuild("v1.21.1-eksbuild.8")).toEqual([1, 21, 1, 8]);
    expect(parseAddonBuild("1.21.1")).toBeUndefined();
    expect(compareAddonBuilds("v1.21.1-eksbuild.8", "v1.21.1-eksbuild.10")).toBeLessThan(0);
    expect(compareAddonBuilds("v1.22.0-eksbuild.1", "v1.21.9-eksbuild.30")).toBeGreaterThan(0);
    expect(compareAddonBuilds("v1.14.2-eksbuild.4", "v1.14.2-eksbuild.4")).toBe(0);
  });

  test.each(Object.entries(KUBERNETES_PINS))(
    "every add-on pinned for Kubernetes %s is an EKS build, and kube-proxy's is of that minor",
    (minor, pins) => {
      for (const [key, addon] of Object.entries(ADDON_OF))
        expect([addon, addonPinProblem(addon, minor, pins[key as keyof typeof ADDON_OF])]).toEqual([addon, undefined]);
    },
  );

  test("kube-proxy built for another Kubernetes minor is refused (kube-proxy must match the cluster)", () => {
    expect(addonPinProblem("kube-proxy", "1.35", "v1.34.5-eksbuild.2")).toBe(
      "kube-proxy v1.34.5-eksbuild.2 is built for Kubernetes 1.34, the cluster runs 1.35",
    );
    expect(addonPinProblem("coredns", "1.35", "1.14.2")).toMatch(/not an EKS add-on build/);
  });

  test("a pin newer than the newest build EKS lists for the minor is refused, naming the command that lists them", () => {
    expect(addonPinAgainstNewest("vpc-cni", "1.35", "v1.21.1-eksbuild.8", "v1.23.0-eksbuild.1")).toBeUndefined();
    expect(addonPinAgainstNewest("vpc-cni", "1.35", "v1.23.0-eksbuild.1", "v1.23.0-eksbuild.1")).toBeUndefined();
    expect(addonPinAgainstNewest("vpc-cni", "1.35", "v1.21.1-eksbuild.80", "v1.21.1-eksbuild.9")).toMatch(
      /^vpc-cni v1\.21\.1-eksbuild\.80 .* newer than the newest build EKS lists for 1\.35, v1\.21\.1-eksbuild\.9: .*aws eks describe-addon-versions --addon-name vpc-cni --kubernetes-version 1\.35$/,
    );
  });

  test(
    "a deploy whose vpc-cni pin EKS does not list stops before any add-on is created",
    async () => {
      const strict = strictAnswers({ region: "us-east-1" });
      const { file, values } = readStackFile("mvp", REPO_ROOT);
      const run = await runProgram({
        projectDir: REPO_ROOT,
        stack: "mvp",
        values,
        stackFile: file,
        answers: {
          ...strict,
          // EKS lists vpc-cni only up to a build older than the pin
          invoke: (token, args) =>
            token === "aws:eks/getAddonVersion:getAddonVersion" && args.addonName === "vpc-cni"
              ? { ...strict.invoke(token, args), version: "v1.20.0-eksbuild.1" }
              : strict.invoke(token, args),
        },
      });
      expect(run.exitCode).not.toBe(0);
      expect(failureOf(run)).toMatch(
        `vpc-cni ${KUBERNETES_PINS["1.35"].vpcCni} (stacks/kubernetes.ts, Kubernetes 1.35) is newer than the newest build EKS lists for 1.35, v1.20.0-eksbuild.1`,
      );
      const addons = run.registrations.filter((r) => r.type === "aws:eks/addon:Addon");
      expect(addons.map((r) => r.name)).not.toContain("cluster-vpc-cni");
    },
    PLAN_TIMEOUT_MS,
  );
});

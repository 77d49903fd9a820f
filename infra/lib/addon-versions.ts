/**
 * EKS managed add-on builds (`v<major>.<minor>.<patch>-eksbuild.<n>`), pinned per Kubernetes minor in
 * stacks/kubernetes.ts. No listing of the builds EKS offers can be read offline, so a pin is checked twice:
 * statically against the cluster's minor (kube-proxy's version is the Kubernetes version it proxies for), and at
 * deploy time against the newest build EKS lists for the minor (DescribeAddonVersions, via the aws_eks_addon_version
 * data source), before anything is created: a pin newer than that does not exist, and CreateAddon would refuse it
 * only after the cluster's fifteen minutes (InvalidParameterException).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

const BUILD = /^v(\d+)\.(\d+)\.(\d+)-eksbuild\.(\d+)$/;

/** The numbers of a build, or undefined when it is not of EKS's form. */
export function parseAddonBuild(version: string): [number, number, number, number] | undefined {
  const m = BUILD.exec(version);
  return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
}

/** Orders two builds: negative when `a` is older than `b`. */
export function compareAddonBuilds(a: string, b: string): number {
  const [x, y] = [parseAddonBuild(a), parseAddonBuild(b)];
  if (x === undefined || y === undefined) throw new Error(`not an EKS add-on build: ${x === undefined ? a : b}`);
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** What is wrong with a pin for a cluster minor, statically (its form; kube-proxy's minor). */
export function addonPinProblem(addonName: string, minor: string, pin: string): string | undefined {
  const build = parseAddonBuild(pin);
  if (build === undefined) return `${addonName} ${pin} is not an EKS add-on build (v<x>.<y>.<z>-eksbuild.<n>)`;
  if (addonName === "kube-proxy" && `${build[0]}.${build[1]}` !== minor)
    return `kube-proxy ${pin} is built for Kubernetes ${build[0]}.${build[1]}, the cluster runs ${minor}`;
  return undefined;
}

/** What is wrong with a pin given the newest build EKS lists for the minor. */
export function addonPinAgainstNewest(addonName: string, minor: string, pin: string, newest: string) {
  if (compareAddonBuilds(pin, newest) <= 0) return undefined;
  return (
    `${addonName} ${pin} (stacks/kubernetes.ts, Kubernetes ${minor}) is newer than the newest build EKS lists ` +
    `for ${minor}, ${newest}: it does not exist; pick one from aws eks describe-addon-versions --addon-name ` +
    `${addonName} --kubernetes-version ${minor}`
  );
}

/**
 * The pinned build of an add-on, once EKS has confirmed that its minor has a build at least that new; otherwise
 * the deploy stops at preview with the pin, the newest build and the command that lists the others.
 */
export function checkedAddonVersion(
  addonName: string,
  minor: string,
  pin: string,
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<string> {
  const problem = addonPinProblem(addonName, minor, pin);
  if (problem !== undefined) throw new Error(`${problem} (stacks/kubernetes.ts)`);
  const newest = aws.eks.getAddonVersionOutput({ addonName, kubernetesVersion: minor, mostRecent: true }, opts);
  return newest.version.apply((latest) => {
    const late = addonPinAgainstNewest(addonName, minor, pin, latest);
    if (late !== undefined) throw new Error(late);
    return pin;
  });
}

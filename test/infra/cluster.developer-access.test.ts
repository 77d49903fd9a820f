/**
 * Developers' access for preview stacks: an optional role gets edit rights in the `preview-*` namespaces through an
 * EKS access entry, never cluster-admin and nothing outside those namespaces.
 */
import { resolveStackConfig } from "../../stacks/config";
import { PREVIEW_PREFIX, previewStackName } from "../../stacks/preview/naming";
import { planFor, T } from "./cluster.checks";

const DEVELOPER = "arn:aws:iam::123456789012:role/storyforge-developers";
const view = planFor("v1", { "storyforge:clusterDeveloperRoleArn": DEVELOPER });

test("the developer role gets an access entry with AmazonEKSEditPolicy scoped to the preview-* namespaces only", () => {
  const entries = view().ofType(T.accessEntry);
  expect(entries.map((e) => e.inputs.principalArn)).toEqual([DEVELOPER]);
  expect(entries[0].inputs).toMatchObject({ type: "STANDARD", clusterName: view().eks.inputs.name });
  const associations = view().ofType(T.accessPolicy);
  expect(associations).toHaveLength(1);
  expect(associations[0].inputs).toEqual(
    expect.objectContaining({
      principalArn: DEVELOPER,
      policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
      accessScope: { type: "namespace", namespaces: [`${PREVIEW_PREFIX}*`] },
    }),
  );
});

test("the scope's wildcard covers exactly the namespaces preview stacks deploy into", () => {
  const [scope] = view()
    .ofType(T.accessPolicy)
    .map((a) => a.inputs.accessScope.namespaces[0] as string);
  const covers = (ns: string) => ns.startsWith(scope.replace(/\*$/, ""));
  expect(covers(previewStackName("feature/login"))).toBe(true);
  for (const ns of ["default", "kube-system", "storyforge", "keda"])
    expect({ ns, covered: covers(ns) }).toEqual({ ns, covered: false });
});

const load = (values: Record<string, unknown>) =>
  resolveStackConfig({
    stack: "v1",
    stackFile: "Pulumi.v1.yaml",
    values: { "aws:region": "us-east-1", "storyforge:tier": "v1", ...values },
  });

test("clusterDeveloperRoleArn must be an IAM role ARN, named in the error with the file", () => {
  expect(() => load({ "storyforge:clusterDeveloperRoleArn": "arn:aws:iam::123456789012:user/bob" })).toThrow(
    /Pulumi\.v1\.yaml: storyforge:clusterDeveloperRoleArn must be an IAM role ARN .*got "arn:aws:iam::123456789012:user\/bob"/,
  );
  expect(load({ "storyforge:clusterDeveloperRoleArn": DEVELOPER }).cluster.developerRoleArn).toBe(DEVELOPER);
  expect(load({}).cluster.developerRoleArn).toBeNull();
});

test("the developer role cannot be the admin role: one access entry per principal", () => {
  expect(() =>
    load({ "storyforge:clusterDeveloperRoleArn": DEVELOPER, "storyforge:clusterAdminRoleArn": DEVELOPER }),
  ).toThrow(/storyforge:clusterDeveloperRoleArn must differ from storyforge:clusterAdminRoleArn/);
});

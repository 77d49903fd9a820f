/**
 * Cluster settings are validated when the stack loads: a bad value stops the program with a message naming the key.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveStackConfig, DEFAULT_KUBERNETES_VERSION } from "../../stacks/config";
import { nodeGroupSpecs } from "../../infra/components/cluster";
import { KUBERNETES_PINS } from "../../stacks/kubernetes";
import { TIERS, TIER_NAMES } from "../../stacks/tiers";
import { PLAN_TIMEOUT_MS } from "../support/plan";

const base = { "aws:region": "us-east-1", "storyforge:tier": "v1" };
const load = (values: Record<string, unknown>) =>
  resolveStackConfig({ stack: "v1", stackFile: "Pulumi.v1.yaml", values: { ...base, ...values } });

const ROOT = join(__dirname, "..", "..");

test(
  "an unsupported kubernetesVersion stops `npm run plan` with a message naming the key, the file and the value",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "storyforge-cluster-"));
    try {
      writeFileSync(
        join(dir, "Pulumi.oldk8s.yaml"),
        'config:\n  aws:region: us-east-1\n  storyforge:tier: v1\n  storyforge:kubernetesVersion: "1.2"\n',
      );
      const result = spawnSync(join(ROOT, "node_modules", ".bin", "tsx"), ["tools/plan/cli.ts", "--stack", "oldk8s"], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, STORYFORGE_STACK_DIR: dir },
        timeout: PLAN_TIMEOUT_MS,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /Pulumi\.oldk8s\.yaml: storyforge:kubernetesVersion must be one of 1\.35, got "1\.2"/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  PLAN_TIMEOUT_MS,
);

test("cluster settings default to the pinned version, a private endpoint and no extra admin", () => {
  expect(load({}).cluster).toEqual({
    kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
    publicAccessCidrs: [],
    deployerAccess: null,
    adminRoleArn: null,
    developerRoleArn: null,
  });
});

test("the public endpoint cannot be opened to the whole internet", () => {
  expect(() => load({ "storyforge:clusterPublicAccessCidrs": ["0.0.0.0/0"] })).toThrow(
    /storyforge:clusterPublicAccessCidrs entry "0\.0\.0\.0\/0" opens the API endpoint to the whole internet/,
  );
});

test("a public access entry that is not an IPv4 CIDR is refused by name", () => {
  expect(() => load({ "storyforge:clusterPublicAccessCidrs": ["203.0.113.0"] })).toThrow(
    /storyforge:clusterPublicAccessCidrs entry "203\.0\.113\.0" is not an IPv4 CIDR/,
  );
  expect(() => load({ "storyforge:clusterPublicAccessCidrs": "203.0.113.0/24" })).toThrow(
    /storyforge:clusterPublicAccessCidrs must be a list/,
  );
});

test("clusterAdminRoleArn must be an IAM role ARN", () => {
  expect(() => load({ "storyforge:clusterAdminRoleArn": "arn:aws:iam::123456789012:user/alice" })).toThrow(
    /storyforge:clusterAdminRoleArn must be an IAM role ARN/,
  );
  expect(
    load({ "storyforge:clusterAdminRoleArn": "arn:aws:iam::123456789012:role/ops/admin" }).cluster.adminRoleArn,
  ).toBe("arn:aws:iam::123456789012:role/ops/admin");
});

test("every offered Kubernetes version has pinned add-ons", () => {
  expect(KUBERNETES_PINS[DEFAULT_KUBERNETES_VERSION]).toBeDefined();
});

test.each(TIER_NAMES)(
  "%s: node group maxima never fall below minima, and an override of the node count moves both",
  (name) => {
    const specs = nodeGroupSpecs(TIERS[name]);
    for (const spec of Object.values(specs)) expect(spec.maxSize).toBeGreaterThanOrEqual(spec.minSize);
    const bigger = load({ "storyforge:tier": name, "storyforge:apiNodes": TIERS[name].compute.api.nodes + 7 }).tier;
    const api = nodeGroupSpecs(bigger).api;
    expect(api.minSize).toBe(TIERS[name].compute.api.nodes + 7);
    expect(api.maxSize).toBeGreaterThanOrEqual(api.minSize);
  },
);

describe("storyforge:deployerAccess", () => {
  test("public-cidrs with CIDRs and in-vpc without are accepted", () => {
    expect(
      load({ "storyforge:deployerAccess": "public-cidrs", "storyforge:clusterPublicAccessCidrs": ["198.51.100.7/32"] })
        .cluster.deployerAccess,
    ).toBe("public-cidrs");
    expect(load({ "storyforge:deployerAccess": "in-vpc" }).cluster.deployerAccess).toBe("in-vpc");
  });

  test("public-cidrs without CIDRs is refused, naming both keys", () => {
    expect(() => load({ "storyforge:deployerAccess": "public-cidrs" })).toThrow(
      /storyforge:deployerAccess is public-cidrs but storyforge:clusterPublicAccessCidrs is empty/,
    );
  });

  test("in-vpc with CIDRs is refused: the endpoint stays private", () => {
    expect(() =>
      load({ "storyforge:deployerAccess": "in-vpc", "storyforge:clusterPublicAccessCidrs": ["198.51.100.7/32"] }),
    ).toThrow(
      /storyforge:deployerAccess is in-vpc, so the API endpoint stays private: storyforge:clusterPublicAccessCidrs must be empty/,
    );
  });

  test('the declared default "" (what the CLI hands a stack that does not set the key) means not chosen yet', () => {
    expect(load({ "storyforge:deployerAccess": "" }).cluster.deployerAccess).toBeNull();
  });

  test("any other value is refused, listing the two", () => {
    expect(() => load({ "storyforge:deployerAccess": "vpn" })).toThrow(
      /storyforge:deployerAccess must be one of public-cidrs, in-vpc, got "vpn"/,
    );
  });
});

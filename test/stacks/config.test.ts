import type * as Yaml from "yaml";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_KEYS, ConfigError, resolveStackConfig, type StackConfig } from "../../stacks/config";
import { renderProjectFile } from "../../tools/gen/project-config";
import { refreshReadme } from "../../tools/gen/readme-tables";
import { TIERS } from "../../stacks/tiers";

const FILE = "Pulumi.test.yaml";

function resolve(values: Record<string, unknown>): StackConfig {
  return resolveStackConfig({ stack: "test", stackFile: FILE, values: { "aws:region": "us-east-1", ...values } });
}

function problemsOf(values: Record<string, unknown>): string[] {
  try {
    resolve(values);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("stack config", () => {
  it("a stack with only its tier gets that tier's table row unchanged", () => {
    const config = resolve({ "storyforge:tier": "v1" });
    expect(config.tier).toEqual(TIERS.v1);
    expect(config.overrides).toEqual({});
    expect(config.owner).toBe("platform");
  });

  it("an override replaces exactly the value it names", () => {
    const config = resolve({
      "storyforge:tier": "v1",
      "storyforge:dbReplicaCount": 4,
      "storyforge:dbInstanceClass": "db.r7g.2xlarge",
    });
    expect(config.tier.database.replicas.count).toBe(4);
    expect(config.tier.database.primary.instanceClass).toBe("db.r7g.2xlarge");
    expect(config.tier.database.replicas.instanceClass).toBe(TIERS.v1.database.replicas.instanceClass);
    expect(config.overrides).toEqual({ dbReplicaCount: 4, dbInstanceClass: "db.r7g.2xlarge" });
  });

  it("overrides never change the shared tier table", () => {
    resolve({ "storyforge:tier": "mvp", "storyforge:dbReplicaCount": 3 });
    expect(TIERS.mvp.database.replicas.count).toBe(1);
  });

  it("values arrive as strings from the Pulumi engine and are parsed by their declared type", () => {
    const config = resolve({
      "storyforge:tier": "mvp",
      "storyforge:dbReplicaCount": "2",
      "storyforge:dbMultiAz": "true",
    });
    expect(config.tier.database.replicas.count).toBe(2);
    expect(config.tier.database.multiAz).toBe(true);
  });

  it("a configured 0 is an override, not a missing value", () => {
    const config = resolve({ "storyforge:tier": "v1", "storyforge:dbReplicaCount": 0 });
    expect(config.tier.database.replicas.count).toBe(0);
  });

  it("the inherit defaults declared in Pulumi.yaml (-1 and empty) keep the tier's value", () => {
    const config = resolve({
      "storyforge:tier": "v2",
      "storyforge:dbReplicaCount": -1,
      "storyforge:dbInstanceClass": "",
      "storyforge:dbMultiAz": "",
    });
    expect(config.tier).toEqual(TIERS.v2);
  });

  it("an unknown key is an error naming the key and the stack file, with the nearest key as a hint", () => {
    expect(problemsOf({ "storyforge:tier": "v1", "storyforge:dbReplicaCont": 2 })).toEqual([
      "Pulumi.test.yaml: unknown config key storyforge:dbReplicaCont (did you mean storyforge:dbReplicaCount?)",
    ]);
  });

  it.each([
    ["storyforge:dbReplicaCount", "two", 'must be an integer, got "two"'],
    ["storyforge:dbReplicaCount", 2.5, "must be an integer, got 2.5"],
    ["storyforge:dbReplicaCount", 9, "must be at most 5, got 9"],
    ["storyforge:dbMultiAz", "yes", 'must be true or false, got "yes"'],
    ["storyforge:dbInstanceClass", 42, "must be a string, got 42"],
    ["storyforge:tier", "v3", 'must be one of mvp, v1, v2, got "v3"'],
    ["storyforge:flowLogDestination", "firehose", 'must be one of cloud-watch-logs, s3, got "firehose"'],
  ])("%s = %p is rejected: %s", (key, value, message) => {
    const values: Record<string, unknown> = { "storyforge:tier": "v1", [key]: value };
    expect(problemsOf(values)).toContain(`Pulumi.test.yaml: ${key} ${message}`);
  });

  it("flow logs go to CloudWatch unless storyforge:flowLogDestination says s3", () => {
    expect(resolve({ "storyforge:tier": "v1" }).flowLogDestination).toBe("cloud-watch-logs");
    expect(resolve({ "storyforge:tier": "v1", "storyforge:flowLogDestination": "s3" }).flowLogDestination).toBe("s3");
  });

  it("every problem is reported at once, not only the first", () => {
    const problems = problemsOf({ "storyforge:tier": "v1", "storyforge:azCont": 3, "storyforge:redisShards": "x" });
    expect(problems).toHaveLength(2);
  });

  it("the tier and the region are required", () => {
    const problems = (() => {
      try {
        resolveStackConfig({ stack: "test", stackFile: FILE, values: {} });
      } catch (err) {
        return (err as ConfigError).problems;
      }
      return [];
    })();
    expect(problems).toEqual([
      "Pulumi.test.yaml: storyforge:tier is required (one of mvp, v1, v2)",
      "Pulumi.test.yaml: aws:region is required, e.g. us-east-1",
    ]);
  });

  it("keys of other namespaces (aws:*) are left to their providers", () => {
    expect(() => resolve({ "storyforge:tier": "mvp", "aws:profile": "dev" })).not.toThrow();
  });

  it("searchDataNodes 0 removes OpenSearch, and search keys cannot apply to a tier without it", () => {
    expect(resolve({ "storyforge:tier": "v1", "storyforge:searchDataNodes": 0 }).tier.search).toBeNull();
    expect(problemsOf({ "storyforge:tier": "mvp", "storyforge:searchVolumeGb": 100 })).toEqual([
      "Pulumi.test.yaml: storyforge:searchVolumeGb cannot apply: tier mvp has no search",
    ]);
  });

  it("Redis node totals follow the shard topology", () => {
    const config = resolve({ "storyforge:tier": "v2", "storyforge:redisShards": 4 });
    expect(config.tier.cache.nodes).toBe(8);
  });

  it("an override cannot make the tier contradict itself", () => {
    expect(problemsOf({ "storyforge:tier": "v1", "storyforge:natGateways": 3, "storyforge:azCount": 2 })).toContain(
      "Pulumi.test.yaml: natGateways (3) cannot exceed azCount (2)",
    );
    expect(problemsOf({ "storyforge:tier": "v1", "storyforge:dbInstanceClass": "m7g.large" })).toContain(
      "Pulumi.test.yaml: dbInstanceClass must be an RDS class (db.*), got m7g.large",
    );
  });

  it("a node or database class the instance catalog does not list is refused, naming the key", () => {
    const problems = problemsOf({
      "storyforge:tier": "v1",
      "storyforge:workerInstanceClass": "m6g.xlarge",
      "storyforge:dbReplicaInstanceClass": "db.r6g.2xlarge",
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^Pulumi\.test\.yaml: workerInstanceClass m6g\.xlarge is not in the instance catalog .*known: .*m7g\.xlarge/,
      ),
      expect.stringMatching(
        /^Pulumi\.test\.yaml: dbReplicaInstanceClass db\.r6g\.2xlarge is not in the instance catalog/,
      ),
    ]);
    expect(() => resolve({ "storyforge:tier": "v1", "storyforge:apiInstanceClass": "c7g.2xlarge" })).not.toThrow();
  });
});

describe("project file", () => {
  it("Pulumi.yaml declares exactly the keys the loader knows (regenerate with npm run gen:project-config)", () => {
    const onDisk = readFileSync(join(__dirname, "..", "..", "Pulumi.yaml"), "utf8");
    expect(onDisk).toBe(renderProjectFile());
  });

  it("every key has a description and every tier override has an inherit default", () => {
    for (const def of CONFIG_KEYS) {
      expect(def.description.length).toBeGreaterThan(10);
      if (def.tierPath) expect(def.default).toBeDefined();
    }
  });

  it.each(["mvp", "v1", "v2"])("Pulumi.%s.yaml holds only values the loader accepts", (stack) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parse } = require("yaml") as typeof Yaml;
    const file = `Pulumi.${stack}.yaml`;
    const doc = parse(readFileSync(join(__dirname, "..", "..", file), "utf8")) as { config: Record<string, unknown> };
    const config = resolveStackConfig({ stack, stackFile: file, values: doc.config });
    expect(config.tier.name).toBe(stack);
  });
});

describe("README", () => {
  it("the tier table and the config key table are generated from the tier model (npm run gen:readme)", () => {
    const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
    expect(refreshReadme(readme)).toBe(readme);
  });
});

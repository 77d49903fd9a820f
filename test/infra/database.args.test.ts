/**
 * Issue 12: RDS rejects a storage autoscaling ceiling less than 10 % above the allocated storage ("Invalid max
 * storage size"), and the Database component used to accept any `maxStorageFactor`. data-access.test.ts checks the
 * pure rule (`databaseArgsProblems`); this file checks that the component applies it, by constructing it under
 * strict mocks with the mvp stack's own config, so dropping the call from the constructor fails here.
 */
import * as pulumi from "@pulumi/pulumi";
import { CALL_RESULTS, RESOURCE_STATE } from "../../tools/plan/mocks";
import { readStackFile } from "../../tools/plan/stack-files";
import { resolveStackConfig } from "../../stacks/config";
// Type-only: erased, so the program loads only after setMocks (below).
import type { Database as DatabaseClass } from "../../infra/components/database";
import type { Network } from "../../infra/components/network";
import type { createContext as createContextFn, StackContext } from "../../infra/lib/context";

const ENV = { region: "us-east-1" };
const errors: string[] = [];

let Database: typeof DatabaseClass;
let context: StackContext;
let network: Network;

beforeAll(async () => {
  const { file, values } = readStackFile("mvp");
  pulumi.runtime.setAllConfig({ "aws:region": ENV.region });
  // Strict, as the plan harness's: an unknown type or function is recorded and fails the test below.
  await pulumi.runtime.setMocks(
    {
      newResource: ({ type, name, inputs, custom }) => {
        const state = RESOURCE_STATE[type];
        // Components (custom false) have no cloud state; every cloud resource must be a known type.
        if (!state && custom !== false) errors.push(`unknown resource type ${type} (${name})`);
        return { id: `${name}-id`, state: { ...inputs, ...(state?.(inputs, name, ENV) ?? {}) } };
      },
      call: ({ token, inputs }) => {
        const result = CALL_RESULTS[token];
        if (!result) errors.push(`unknown provider function ${token}`);
        return result?.(inputs, ENV) ?? {};
      },
    },
    "storyforge",
    "mvp",
    false,
  );
  // Required after setMocks, as the program must be (a static import would load it first).
  /* eslint-disable @typescript-eslint/no-require-imports */
  ({ Database } = require("../../infra/components/database") as { Database: typeof DatabaseClass });
  const { Network: NetworkClass } = require("../../infra/components/network") as { Network: typeof Network };
  const { createContext } = require("../../infra/lib/context") as { createContext: typeof createContextFn };
  /* eslint-enable @typescript-eslint/no-require-imports */
  context = createContext(resolveStackConfig({ stack: "mvp", stackFile: file, values }));
  network = new NetworkClass("network", { context });
});

describe("the Database component's arguments (issue 12)", () => {
  test("the Database component refuses a maxStorageFactor below 1.1, naming the argument", async () => {
    // The control: the same component with the default factor builds, so the refusal below is the factor's.
    expect(() => new Database("database-default", { context, network })).not.toThrow();
    for (const factor of [1, 1.05]) {
      expect(() => new Database(`database-${factor}`, { context, network, maxStorageFactor: factor })).toThrow(
        `maxStorageFactor must be at least 1.1`,
      );
    }
    expect(() => new Database("database-1-1", { context, network, maxStorageFactor: 1.1 })).not.toThrow();
    // Drain every registration, so an unknown type in what was built shows up here.
    await pulumi.runtime.disconnect();
    expect(errors).toEqual([]);
  });
});

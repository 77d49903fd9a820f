import * as pulumi from "@pulumi/pulumi";
import { resolveMasked, SECRET_PLACEHOLDER, UNKNOWN_PLACEHOLDER } from "../../infra/lib/inventory";

// A real `pulumi preview` leaves new resources' outputs unknown; the inventory (and so the `cost` output) must still
// resolve, or the program would wait forever. preview=true makes the mock runtime behave that way.
void pulumi.runtime.setMocks(
  {
    newResource: (args) => ({ id: undefined, state: { ...args.inputs } }),
    call: () => {
      throw new Error("no calls expected");
    },
  },
  "storyforge",
  "inventory",
  true,
);

class Thing extends pulumi.CustomResource {
  declare readonly bucket: pulumi.Output<string>;
  constructor(name: string) {
    super("test:index:Thing", name, { bucket: undefined });
  }
}

describe("resource inventory values", () => {
  it("plain values, promises and nested objects resolve to their values; undefined fields are dropped", async () => {
    const resolved = await resolveMasked({ a: 1, b: Promise.resolve("x"), c: [pulumi.output(2)], d: undefined });
    expect(resolved).toEqual({ a: 1, b: "x", c: [2] });
  });

  it("secret values read [secret]", async () => {
    expect(await resolveMasked({ password: pulumi.secret("hunter2") })).toEqual({ password: SECRET_PLACEHOLDER });
  });

  it("a value unknown until deployment reads [unknown] instead of never resolving", async () => {
    const thing = new Thing("t");
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error("resolveMasked hung on an unknown value")), 5_000);
    });
    try {
      const resolved = await Promise.race([resolveMasked({ id: thing.id, known: "k" }), hung]);
      expect(resolved).toEqual({ id: UNKNOWN_PLACEHOLDER, known: "k" });
    } finally {
      clearTimeout(timer);
    }
  });
});

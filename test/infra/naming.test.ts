import fc from "fast-check";
import { bucketName, NAME_LIMITS, physicalName, sanitize } from "../../infra/lib/naming";

describe("cloud names", () => {
  it("carry project, stack and part", () => {
    expect(physicalName("storyforge", "v1", "postgres")).toBe("storyforge-v1-postgres");
  });

  it("two stacks never get the same name for the same part", () => {
    expect(physicalName("storyforge", "v1", "redis", 40)).not.toBe(physicalName("storyforge", "v2", "redis", 40));
  });

  it("a name over the service's limit keeps its head and ends with a stable hash", () => {
    const name = physicalName("storyforge", "preview-feature-very-long-branch-name", "search", NAME_LIMITS.opensearch);
    expect(name.length).toBeLessThanOrEqual(28);
    expect(name).toMatch(/^storyforge-preview-[a-z0-9-]*-[0-9a-f]{6}$/);
    expect(physicalName("storyforge", "preview-feature-very-long-branch-name", "search", 28)).toBe(name);
  });

  it("names are lower-case letters, digits and single hyphens, start with a letter and fit the limit", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.integer({ min: 8, max: 100 }), (stack, limit) => {
        const name = physicalName("storyforge", stack, "part", limit);
        expect(name.length).toBeLessThanOrEqual(limit);
        expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
        expect(name).not.toMatch(/--|-$/);
      }),
    );
  });

  it("sanitize strips what AWS rejects", () => {
    expect(sanitize("Feature/ABC__x--y-")).toBe("feature-abc-x-y");
  });

  it("a bucket name keeps its account and region suffix whole, whatever the stack's length", () => {
    const short = bucketName("storyforge", "v2", "cdn-assets", "123456789012", "us-east-1");
    expect(short).toBe("storyforge-v2-cdn-assets-123456789012-us-east-1");
    const long = bucketName(
      "storyforge",
      "preview-feature-a-very-long-branch",
      "cdn-assets",
      "123456789012",
      "ap-southeast-2",
    );
    expect(long.length).toBeLessThanOrEqual(NAME_LIMITS.s3);
    expect(long).toMatch(/^storyforge-preview-[a-z0-9-]+-[0-9a-f]{6}-123456789012-ap-southeast-2$/);
  });

  it("a bucket name refuses an account id that is not twelve digits", () => {
    expect(() => bucketName("storyforge", "v1", "logs", "", "us-east-1")).toThrow(/account id must be 12 digits/);
  });
});

import fc from "fast-check";
import {
  isDnsLabel,
  isPreviewStack,
  labelValue,
  NAME_MAX_LENGTH,
  NAMESPACE_MAX_LENGTH,
  previewName,
  previewStackName,
  shortStackName,
} from "../../stacks/preview/naming";

const HASHED = /-[0-9a-f]{8}$/;

describe("preview names (table)", () => {
  test.each([
    ["main", "preview-main"],
    ["fix-login", "preview-fix-login"],
    ["issue7", "preview-issue7"],
    ["123", "preview-123"],
  ])("a branch that is already a valid name keeps it: %s → %s", (branch, stack) => {
    expect(previewStackName(branch)).toBe(stack);
  });

  test.each([
    ["feature/Login-Page", /^preview-feature-login-page-[0-9a-f]{8}$/],
    ["Feature_X", /^preview-feature-x-[0-9a-f]{8}$/],
    ["--dash--", /^preview-dash-[0-9a-f]{8}$/],
    ["user/jané/été", /^preview-user-jan-t-[0-9a-f]{8}$/],
    ["日本語", /^preview-[0-9a-f]{8}$/],
    ["a".repeat(80), new RegExp(`^preview-a{46}-[0-9a-f]{8}$`)],
  ])("a branch that sanitising or truncating changes gets a hash: %s", (branch, pattern) => {
    expect(previewStackName(branch)).toMatch(pattern);
  });

  test("branches that sanitise to the same text stay distinct", () => {
    const names = ["feature/x", "Feature/X", "feature-x", "feature_x", "feature--x"].map(previewName);
    expect(new Set(names).size).toBe(names.length);
  });

  test("a long valid branch is truncated to the namespace limit with a hash", () => {
    const branch = "x".repeat(NAME_MAX_LENGTH + 1);
    const stack = previewStackName(branch);
    expect(stack).toHaveLength(NAMESPACE_MAX_LENGTH);
    expect(stack).toMatch(HASHED);
    expect(previewStackName("x".repeat(NAME_MAX_LENGTH))).toBe(`preview-${"x".repeat(NAME_MAX_LENGTH)}`);
  });

  test("an empty branch is refused with the value in the message", () => {
    expect(() => previewName("  ")).toThrow('the branch name is empty, got "  "');
  });

  test("preview stacks are recognised with or without org/project", () => {
    expect(isPreviewStack("preview-main")).toBe(true);
    expect(isPreviewStack("organization/storyforge/preview-main")).toBe(true);
    expect(isPreviewStack("v1")).toBe(false);
    expect(isPreviewStack("organization/storyforge/v1")).toBe(false);
    expect(shortStackName("org/storyforge/preview-x")).toBe("preview-x");
  });

  test("label values drop characters Kubernetes refuses and keep 63 at most", () => {
    expect(labelValue("jane.doe@example.com")).toBe("jane.doe-example.com");
    expect(labelValue("feature/x")).toBe("feature-x");
    expect(labelValue("/x/")).toBe("x");
    expect(labelValue("a".repeat(70))).toHaveLength(63);
  });
});

describe("preview names (properties)", () => {
  const branch = fc.string({ minLength: 1, maxLength: 120, unit: "grapheme" }).filter((s) => s.trim() !== "");
  const gitLike = fc
    .array(fc.constantFrom(..."abcXYZ019-_/.".split("")), { minLength: 1, maxLength: 90 })
    .map((chars) => chars.join(""))
    .filter((s) => s.trim() !== "");

  test("every name is a DNS label of at most 63 characters with the prefix", () => {
    fc.assert(
      fc.property(fc.oneof(branch, gitLike), (b) => {
        const stack = previewStackName(b);
        expect(isDnsLabel(stack)).toBe(true);
        expect(stack.length).toBeLessThanOrEqual(NAMESPACE_MAX_LENGTH);
        expect(stack.startsWith("preview-")).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test("the name of a branch is stable", () => {
    fc.assert(fc.property(fc.oneof(branch, gitLike), (b) => previewName(b) === previewName(`${b}`)));
  });

  test("distinct branches give distinct names", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(branch, gitLike), { minLength: 2, maxLength: 60 }), (branches) => {
        const names = branches.map(previewName);
        expect(new Set(names).size).toBe(branches.length);
      }),
      { numRuns: 500 },
    );
  });

  test("a valid short branch is its own name (nothing lost, nothing added)", () => {
    const valid = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/);
    fc.assert(fc.property(valid, (b) => previewName(b) === b));
  });
});

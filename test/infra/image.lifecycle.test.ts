/**
 * The ECR lifecycle policy (infra/components/image.ts): preview pushes share the tier's repository, so they must
 * never count towards, or expire, the tier's own images.
 */
import { lifecyclePolicy, PREVIEW_TAG_PREFIX, SOURCE_TAG_PREFIX } from "../../infra/components/image";
import { previewStackName } from "../../stacks/preview/naming";

type Rule = {
  rulePriority: number;
  description?: string;
  selection: {
    tagStatus: string;
    tagPrefixList?: string[];
    tagPatternList?: string[];
    countType: string;
    countUnit?: string;
    countNumber: number;
  };
  action: { type: string };
};
const rules = (keepImages = 30, previewImageDays = 14) =>
  lifecyclePolicy({ keepImages, previewImageDays }).rules as Rule[];
const ruleFor = (tagStatus: string, prefix?: string) =>
  rules().find(
    (r) => r.selection.tagStatus === tagStatus && (prefix === undefined || r.selection.tagPrefixList?.includes(prefix)),
  )!;

test("rule priorities are distinct positive integers, and no rule selects `any` tag (which would count preview pushes)", () => {
  const priorities = rules().map((r) => r.rulePriority);
  expect(new Set(priorities).size).toBe(priorities.length);
  for (const p of priorities) expect(Number.isInteger(p) && p > 0).toBe(true);
  expect(rules().filter((r) => r.selection.tagStatus === "any")).toEqual([]);
});

test("every rule is valid per ECR's lifecycle schema: tagged rules name prefixes, untagged ones none, day counts carry a unit", () => {
  for (const r of rules()) {
    expect(["tagged", "untagged"]).toContain(r.selection.tagStatus);
    if (r.selection.tagStatus === "tagged") expect(r.selection.tagPrefixList?.length).toBeGreaterThan(0);
    else expect(r.selection.tagPrefixList ?? r.selection.tagPatternList).toBeUndefined();
    if (r.selection.countType === "sinceImagePushed") expect(r.selection.countUnit).toBe("days");
    else {
      expect(r.selection.countType).toBe("imageCountMoreThan");
      expect(r.selection.countUnit).toBeUndefined();
    }
    expect(Number.isInteger(r.selection.countNumber) && r.selection.countNumber > 0).toBe(true);
    expect(r.action).toEqual({ type: "expire" });
  }
});

test("the tier keeps its last `keepImages` src- images; only src- images count towards them", () => {
  expect(ruleFor("tagged", SOURCE_TAG_PREFIX).selection).toEqual({
    tagStatus: "tagged",
    tagPrefixList: ["src-"],
    countType: "imageCountMoreThan",
    countNumber: 30,
  });
  expect(lifecyclePolicy({ keepImages: 7, previewImageDays: 14 }).rules).toContainEqual(
    expect.objectContaining({ selection: expect.objectContaining({ tagPrefixList: ["src-"], countNumber: 7 }) }),
  );
});

test("preview images expire by age, 14 days after their push, and their prefix is the one preview stacks tag with", () => {
  expect(ruleFor("tagged", PREVIEW_TAG_PREFIX).selection).toEqual({
    tagStatus: "tagged",
    tagPrefixList: ["preview-"],
    countType: "sinceImagePushed",
    countUnit: "days",
    countNumber: 14,
  });
  // Preview images are tagged `<stack>-<source hash>`, and a preview's stack name starts with the prefix.
  expect(previewStackName("feature/login").startsWith(PREVIEW_TAG_PREFIX)).toBe(true);
  expect(SOURCE_TAG_PREFIX.startsWith(PREVIEW_TAG_PREFIX) || PREVIEW_TAG_PREFIX.startsWith(SOURCE_TAG_PREFIX)).toBe(
    false,
  );
});

test("untagged images expire after one day", () => {
  expect(ruleFor("untagged").selection).toEqual({
    tagStatus: "untagged",
    countType: "sinceImagePushed",
    countUnit: "days",
    countNumber: 1,
  });
});

test("out-of-range counts are refused naming the field", () => {
  expect(() => lifecyclePolicy({ keepImages: 0, previewImageDays: 14 })).toThrow(
    /keepImages must be an integer from 1 to 1000, got 0/,
  );
  expect(() => lifecyclePolicy({ keepImages: 30, previewImageDays: 1.5 })).toThrow(
    /previewImageDays must be an integer from 1 to 365, got 1.5/,
  );
  expect(() => lifecyclePolicy({ keepImages: 30, previewImageDays: 14, untaggedImageDays: 0 })).toThrow(
    /untaggedImageDays must be an integer from 1 to 365, got 0/,
  );
});

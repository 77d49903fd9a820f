/**
 * Names of preview stacks. A branch (or `--name`) becomes `preview-<name>`, which is both the Pulumi stack name
 * and the Kubernetes namespace the preview deploys into, so one string identifies a preview everywhere.
 *
 * Rules, in order of importance:
 *   - valid: lower case `[a-z0-9-]`, starting and ending with a letter or digit (a DNS-1123 label), at most
 *     63 characters with the prefix (the namespace limit; Pulumi's stack name limit is higher);
 *   - stable: the same branch always gives the same name, on every machine;
 *   - distinct: distinct branches give distinct names. A branch that is already a valid name keeps it; any
 *     branch that sanitising or truncating changed gets a hash of the original appended, so `Feature/X`,
 *     `feature/x` and `feature-x` stay three previews (up to a 32-bit hash collision).
 */
import { createHash } from "node:crypto";

export const PREVIEW_PREFIX = "preview-";
/** A namespace is a DNS-1123 label. */
export const NAMESPACE_MAX_LENGTH = 63;
/** The longest `<name>` part: the namespace limit minus the prefix. */
export const NAME_MAX_LENGTH = NAMESPACE_MAX_LENGTH - PREVIEW_PREFIX.length;
const HASH_LENGTH = 8;

const VALID_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function hashOf(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, HASH_LENGTH);
}

/** Lower case, runs of anything outside `[a-z0-9]` become one hyphen, no hyphen at either end. */
function sanitize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * The `<name>` of a preview for a branch: the branch itself when it is already valid and short enough,
 * else its sanitised head plus `-<hash of the branch>`.
 */
export function previewName(branch: string): string {
  if (branch.trim() === "") throw new Error(`preview name: the branch name is empty, got ${JSON.stringify(branch)}`);
  if (branch.length <= NAME_MAX_LENGTH && VALID_NAME.test(branch)) return branch;
  const hash = hashOf(branch);
  const head = sanitize(branch)
    .slice(0, NAME_MAX_LENGTH - HASH_LENGTH - 1)
    .replace(/-+$/, "");
  return head === "" ? hash : `${head}-${hash}`;
}

/** `preview-<name>`: the stack name and the namespace of the branch's preview. */
export function previewStackName(branch: string): string {
  return PREVIEW_PREFIX + previewName(branch);
}

/** True for stack names this tool manages (`preview-*`), fully qualified (`org/project/stack`) or not. */
export function isPreviewStack(stackName: string): boolean {
  return shortStackName(stackName).startsWith(PREVIEW_PREFIX);
}

/** `org/project/stack` → `stack`; backends list fully qualified names for stacks of other projects. */
export function shortStackName(stackName: string): string {
  return stackName.slice(stackName.lastIndexOf("/") + 1);
}

/** Whether `text` is a DNS-1123 label (a valid namespace name). */
export function isDnsLabel(text: string): boolean {
  return text.length <= NAMESPACE_MAX_LENGTH && VALID_NAME.test(text);
}

/**
 * A Kubernetes label value for free text (an e-mail, a branch with slashes): at most 63 characters of
 * `[A-Za-z0-9._-]`, starting and ending alphanumeric. Lossy; the exact value goes into an annotation beside it.
 */
export function labelValue(text: string): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  return cleaned;
}

/**
 * What the preview commands need to know about the Pulumi backend they run against: the lowest CLI they work
 * with, and how the base stack is named there. Sources, pulumi/pulumi v3.248.0: pkg/backend/diy (stack tags since
 * 3.211.0, CHANGELOG #19882; every stack's organization is the literal "organization", state.go), and
 * pkg/backend/httpstate/backend.go (a StackReference must read `<org>/<project>/<stack>`; an unqualified name's org
 * is the default org, else the user: ParseStackReference).
 */
import { PROJECT } from "../../stacks/config";

/** Stack tags (owner, branch, last deploy: what list and gc read) on a self-managed backend need 3.211. */
export const MIN_PULUMI_CLI = "3.211.0";

/** The organization of every stack of a self-managed (DIY) backend: file://, s3://, gs://, azblob://. */
export const SELF_MANAGED_ORG = "organization";

/** The backend `pulumi whoami --json` reports. */
export interface Backend {
  url: string;
  /** Pulumi Cloud (or a self-hosted Pulumi Cloud): an http(s) URL. Anything else is a self-managed bucket or folder. */
  cloud: boolean;
  /** The org a stack reference is qualified with: the default org or the user on Pulumi Cloud, else "organization". */
  org: string;
}

export function isCloudUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * The base stack's full name for this backend, from `--base` or the template: a bare tier stack name (`v1`) or
 * `org/storyforge/<stack>`. The org `organization` (the template's) stands for this backend's own organization, so
 * one template serves both kinds of backend; another org is kept as given, and is an error on a self-managed
 * backend, which has no other.
 */
export function qualifyBaseStack(given: string, backend: Backend): string {
  const parts = given.split("/");
  const stack = parts[parts.length - 1];
  const shape = `a tier stack name (v1) or ${backend.org}/${PROJECT}/<stack>`;
  if ((parts.length !== 1 && parts.length !== 3) || !parts.every((p) => NAME.test(p))) {
    throw new Error(`base stack ${JSON.stringify(given)}: expected ${shape}`);
  }
  if (parts.length === 1) return `${backend.org}/${PROJECT}/${stack}`;
  const [org, project] = parts;
  if (project !== PROJECT) {
    throw new Error(
      `base stack ${JSON.stringify(given)}: a preview runs in a stack of the tier project ${PROJECT}, not ${project}`,
    );
  }
  if (org === SELF_MANAGED_ORG) return `${backend.org}/${PROJECT}/${stack}`;
  if (!backend.cloud) {
    throw new Error(
      `base stack ${JSON.stringify(given)}: the self-managed backend ${backend.url} has no organization ${org} (its stacks are ${SELF_MANAGED_ORG}/${PROJECT}/<stack>)`,
    );
  }
  return given;
}

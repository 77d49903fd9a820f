/**
 * The outputs of a preview stack, declared once: what `npm run preview -- up` prints and records, and what
 * `pulumi stack output` shows. previews/index.ts checks at compile time that its exports resolve to exactly this.
 */
import type { PreviewCost } from "../infra/lib/cost/preview";

export interface PreviewStackOutputs {
  /** `org/storyforge/stack` of the tier stack the preview runs in. */
  baseStack: string;
  /** `https://<namespace>.<domain>`. */
  url: string;
  /** The preview's Kubernetes namespace in the base stack's cluster: `preview-<name>`. */
  namespace: string;
  /** `sha256:<hex>` of the image built from the branch. */
  imageDigest: string;
  /** `<base stack's repository>@<imageDigest>`. */
  imageRef: string;
  /** Its pods' requests priced at the base stack's node-group rates, plus its volumes (infra/lib/cost/preview.ts). */
  incrementalCost: PreviewCost;
  /** Who deployed what, when (set by `npm run preview -- up`; empty in the template). */
  deployed: { branch: string; commit: string; by: string; at: string };
}

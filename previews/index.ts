/**
 * The previews program (previews/Pulumi.yaml, project storyforge-preview; issue 7): one Preview component, in the
 * cluster of the tier stack `storyforge-preview:baseStack`. Its exports are the stack's outputs, typed once as
 * PreviewStackOutputs (previews/outputs.ts).
 */
import { inventory } from "../infra/lib/inventory";
import { type AssertTrue, type ExportsMatch } from "../infra/outputs";
import { loadPreviewConfig } from "../stacks/preview/config";
import { Preview } from "./components/preview";
import type * as self from "./index";
import { type PreviewStackOutputs } from "./outputs";

// First, so every resource below is in the inventory the plan reads.
inventory.start();

const config = loadPreviewConfig();
const preview = new Preview("preview", { config });

export const baseStack = config.baseStack;
export const url = preview.url;
export const namespace = preview.namespace;
export const imageDigest = preview.imageDigest;
export const imageRef = preview.imageRef;
/** Its pods' requests priced at the base stack's node-group rates, plus its volumes (infra/lib/cost/preview.ts). */
export const incrementalCost = preview.incrementalCost;
export const deployed = { branch: config.branch, commit: config.commit, by: config.deployedBy, at: config.deployedAt };

// The exports above are the stack's outputs: this fails to compile unless they resolve to PreviewStackOutputs.
export type OutputsAreDeclared = AssertTrue<ExportsMatch<typeof self, PreviewStackOutputs>>;

/**
 * The program of a preview stack (`storyforge:tier: preview`, issue 7): only the Preview component, in the
 * cluster of `storyforge:baseStack`. infra/index.ts runs it instead of infra/tier.ts for preview stacks.
 */
import { inventory } from "./lib/inventory";
import { loadPreviewConfig } from "../stacks/preview/config";
import { Preview } from "./components/preview";

// First, so every resource below is in the inventory the plan reads.
inventory.start();

const config = loadPreviewConfig();
const preview = new Preview("preview", { config });

export const tier = "preview";
export const baseStack = config.baseStack;
export const url = preview.url;
export const namespace = preview.namespace;
export const imageDigest = preview.imageDigest;
export const imageRef = preview.imageRef;
/** Its pods' requests priced at the base stack's node-group rates, plus its volumes (infra/lib/cost/preview.ts). */
export const incrementalCost = preview.incrementalCost;
export const deployed = { branch: config.branch, commit: config.commit, by: config.deployedBy, at: config.deployedAt };

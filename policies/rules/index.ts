/** Every rule of the pack, by area. `policies/index.ts` builds the pack from this list; tests iterate it. */
import { clusterRules } from "./cluster";
import { dataRules } from "./data";
import type { Rule } from "./kit";
import { networkRules } from "./network";

export const ALL_RULES: readonly Rule[] = [...dataRules, ...networkRules, ...clusterRules];

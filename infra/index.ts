/**
 * The program's entry (Pulumi.yaml `main: infra/`). A tier stack (mvp, v1, v2) runs infra/tier.ts, the whole
 * platform; a preview stack (`storyforge:tier: preview`, issue 7) runs infra/preview.ts, which builds only its
 * Preview component in the base stack's cluster. Module exports are the stack outputs, so the chosen program's are
 * re-exported.
 */
import { runningPreview } from "../stacks/preview/config";

// eslint-disable-next-line @typescript-eslint/no-require-imports
export = (runningPreview() ? require("./preview") : require("./tier")) as Record<string, unknown>;

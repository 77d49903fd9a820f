/**
 * The program's entry (Pulumi.yaml `main`). A preview stack (`storyforge:tier: preview`, issue 7) runs
 * infra/preview.ts, which builds only its Preview component in the base stack's cluster; every other stack is a
 * tier and runs infra/index.ts. Module exports are the stack outputs, so the chosen program's are re-exported.
 */
import { runningPreview } from "../stacks/preview/config";

// eslint-disable-next-line @typescript-eslint/no-require-imports
export = (runningPreview() ? require("./preview") : require("./index")) as Record<string, unknown>;

/** Every rule of the pack, by area. `policies/index.ts` builds the pack from this list; tests iterate it. */
import { autoscalingRules } from "./autoscaling";
import { capacityRules } from "./capacity";
import { cdnRules } from "./cdn";
import { clusterRules } from "./cluster";
import { costRules } from "./cost";
import { dataRules } from "./data";
import { depthRules } from "./depth";
import { edgeRules } from "./edge";
import { encryptionRules } from "./encryption";
import { iamRules } from "./iam";
import type { Rule } from "./kit";
import { monitoringRules } from "./monitoring";
import { networkRules } from "./network";
import { platformRules } from "./platform";
import { podRules } from "./pods";
import { stackRules } from "./stack";
import { tagRules } from "./tags";
import { workloadRules } from "./workloads";

export const ALL_RULES: readonly Rule[] = [
  ...dataRules,
  ...networkRules,
  ...clusterRules,
  ...workloadRules,
  ...autoscalingRules,
  ...cdnRules,
  ...capacityRules,
  ...costRules,
  ...tagRules,
  ...iamRules,
  ...encryptionRules,
  ...edgeRules,
  ...podRules,
  ...platformRules,
  ...stackRules,
  ...depthRules,
  ...monitoringRules,
];

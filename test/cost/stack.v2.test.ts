import { describeStackCost } from "./stack.checks";

describeStackCost("v2");

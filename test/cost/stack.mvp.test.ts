import { describeStackCost } from "./stack.checks";

describeStackCost("mvp");

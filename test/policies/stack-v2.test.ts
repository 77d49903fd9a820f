import { describeStackPolicies } from "./stack-policies";

describeStackPolicies("v2");

import { describeStackPolicies } from "./stack-policies";

// mvp runs a single-AZ primary without deletion protection (stacks/tiers.ts): T rules report it, advisory.
describeStackPolicies("mvp", {
  advisory: [{ policy: "rds-primary-multi-az", resource: "database-primary" }],
});

/**
 * Capacity maths (issue 3 §6), pure and free of the Pulumi runtime: what a node offers (nodes.ts), the node groups of
 * a tier (node-groups.ts), connection budgets (connections.ts) and the check that ties them together (check.ts).
 */
export * from "./nodes";
export * from "./node-groups";
export * from "./connections";
export * from "./check";
export type { NodeRole } from "../../../stacks/tiers";

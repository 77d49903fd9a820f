import { workloadsSuite } from "./workloads.checks";

workloadsSuite("v2");

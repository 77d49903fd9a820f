import { workloadsSuite } from "./workloads.checks";

workloadsSuite("mvp");

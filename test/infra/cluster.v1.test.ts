import { clusterSuite } from "./cluster.checks";

clusterSuite("v1");

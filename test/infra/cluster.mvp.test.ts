import { clusterSuite } from "./cluster.checks";

clusterSuite("mvp");

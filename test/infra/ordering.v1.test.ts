import { orderingSuite } from "./ordering.checks";

orderingSuite("v1", { replicas: 2, search: true });

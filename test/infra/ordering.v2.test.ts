import { orderingSuite } from "./ordering.checks";

orderingSuite("v2", { replicas: 3, search: true });

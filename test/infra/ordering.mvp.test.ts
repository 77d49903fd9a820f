import { orderingSuite } from "./ordering.checks";

orderingSuite("mvp", { replicas: 1, search: false });

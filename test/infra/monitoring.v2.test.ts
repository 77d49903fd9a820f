import { monitoringSuite } from "./monitoring.checks";

monitoringSuite("v2");

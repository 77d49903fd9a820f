import { monitoringSuite } from "./monitoring.checks";

monitoringSuite("mvp");

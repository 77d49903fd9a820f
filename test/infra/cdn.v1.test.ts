import { cdnSuite } from "./cdn.checks";

cdnSuite("v1");

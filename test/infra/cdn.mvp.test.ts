import { cdnSuite } from "./cdn.checks";

cdnSuite("mvp");

import { describeMutations } from "./mutations";

describeMutations("v1");

import { describeMutations } from "./mutations";

// mvp has no OpenSearch: every mutation targets a resource all three tiers declare.
describeMutations("mvp");

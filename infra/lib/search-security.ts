/**
 * What the deploy tells OpenSearch's security plugin (fine-grained access control): one role that may read,
 * write and create the app's indices and nothing else, mapped to the app's IAM role. Pure, so the request bodies
 * can be checked offline against the plugin's REST API (test/infra/fixtures/opensearch-security-api.json).
 */
import type { SecurityRequest } from "../functions/search-security";

/** The security-plugin role of the API and the worker. */
export const APP_SEARCH_ROLE = "storyforge_app";
/** Indices the app uses (core/config.ts `OPENSEARCH_INDEX`, default `scenes`) and their dated or versioned copies. */
export const APP_INDEX_PATTERNS = ["scenes", "scenes-*"] as const;
const API = "/_plugins/_security/api";

export interface SearchSecurityInput {
  /** The IRSA role the API and the worker sign with: the mapping's backend role. */
  clientRoleArn: string;
  indexPatterns?: readonly string[];
}

/**
 * The role and its mapping, as whole-document PUTs (idempotent). The app creates its index (`PUT /scenes`, seed 000
 * §6.2's settings), indexes documents and searches (core/search.ts): `crud` (read and write) and `create_index`
 * cover that, on its indices only; no cluster permission, so no bulk over other indices, no aliases, no settings,
 * no security API.
 */
export function searchSecurityRequests(input: SearchSecurityInput): SecurityRequest[] {
  const patterns = [...(input.indexPatterns ?? APP_INDEX_PATTERNS)];
  return [
    {
      method: "PUT",
      path: `${API}/roles/${APP_SEARCH_ROLE}`,
      body: {
        description: "StoryForge API and worker: read, write and create the scene indices",
        cluster_permissions: [],
        index_permissions: [{ index_patterns: patterns, allowed_actions: ["crud", "create_index"] }],
      },
    },
    {
      method: "PUT",
      path: `${API}/rolesmapping/${APP_SEARCH_ROLE}`,
      body: {
        description: "The API's and the worker's IRSA role",
        backend_roles: [input.clientRoleArn],
      },
    },
  ];
}

// The OpenSearch backend, apart from core/search.ts so that only a process configured with OPENSEARCH_URL loads
// the client (about 20 MB of RSS; core/context.ts imports this module lazily).
import { Client } from "@opensearch-project/opensearch";
import { AwsSigv4Signer } from "@opensearch-project/opensearch/aws-v3";
import {
  SCENE_INDEX_BODY,
  buildSearchQuery,
  cachedCredentials,
  parseSearchResponse,
  type CredentialProvider,
  type SceneDocument,
  type SearchBackend,
  type SearchHit,
} from "./search";

export interface OpenSearchOptions {
  url: string;
  index: string;
  /** Sign requests with SigV4 (service `es`). */
  sigv4: boolean;
  region: string | undefined;
  /**
   * Where signing credentials come from. @default the AWS SDK's node provider chain (environment keys, IRSA web
   * identity, EKS Pod Identity and ECS container credentials, shared files, instance metadata), cached.
   */
  credentials?: CredentialProvider;
  /** Per request, in ms. @default 5000 */
  timeoutMs?: number;
  /** Retries of a request on connection errors and 502/503/504. @default 2 */
  maxRetries?: number;
}

/** OpenSearch through the official client; every request SigV4-signed (AwsSigv4Signer) when `sigv4` is set. */
export class OpenSearchSearch implements SearchBackend {
  readonly name = "opensearch" as const;
  readonly client: Client;
  private ensured: Promise<void> | undefined;

  constructor(private readonly opts: OpenSearchOptions) {
    const signing = opts.sigv4 ? signer(opts) : {};
    this.client = new Client({
      node: opts.url,
      requestTimeout: opts.timeoutMs ?? 5_000,
      maxRetries: opts.maxRetries ?? 2,
      ...signing,
    });
  }

  /** Creates the index with §6.2's settings if it does not exist (a concurrent creation is fine). */
  ensureIndex(): Promise<void> {
    this.ensured ??= (async () => {
      const exists = await this.client.indices.exists({ index: this.opts.index });
      if (exists.body === true) return;
      try {
        await this.client.indices.create({ index: this.opts.index, body: SCENE_INDEX_BODY });
      } catch (err) {
        if (
          !JSON.stringify((err as { meta?: { body?: unknown } }).meta?.body ?? "").includes("resource_already_exists")
        )
          throw err;
      }
    })().catch((err: unknown) => {
      this.ensured = undefined;
      throw err;
    });
    return this.ensured;
  }

  async indexScene(doc: SceneDocument): Promise<void> {
    await this.indexScenes([doc]);
  }

  /** One `_bulk` request of `index` actions (the document's id is the scene's). */
  async indexScenes(docs: SceneDocument[]): Promise<void> {
    if (docs.length === 0) return;
    await this.ensureIndex();
    const body = docs.flatMap(({ id, ...source }) => [{ index: { _index: this.opts.index, _id: id } }, source]);
    const res = await this.client.bulk({ body });
    const result = res.body as {
      errors?: boolean;
      items?: Array<Record<string, { status?: number; error?: unknown }>>;
    };
    if (result.errors === true) {
      const failed = (result.items ?? []).map((i) => Object.values(i)[0]).filter((i) => (i?.status ?? 500) >= 300);
      throw new Error(`OpenSearch bulk indexing failed for ${failed.length} of ${docs.length} scenes`);
    }
  }

  async search(q: string, opts: { limit: number; topicId?: string }): Promise<SearchHit[]> {
    try {
      const res = await this.client.search({ index: this.opts.index, body: buildSearchQuery(q, opts) });
      return parseSearchResponse(res.body);
    } catch (err) {
      if ((err as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return [];
      throw err;
    }
  }
}

function signer(opts: OpenSearchOptions): ReturnType<typeof AwsSigv4Signer> {
  if (opts.region === undefined) throw new Error("AWS_REGION is required to sign OpenSearch requests");
  // the AWS SDK's providers load only when signing is on: a process without OpenSearch never pays for them
  const chain = async () => {
    const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
    return fromNodeProviderChain()();
  };
  const credentials = cachedCredentials(opts.credentials ?? chain);
  return AwsSigv4Signer({ region: opts.region, service: "es", getCredentials: credentials });
}

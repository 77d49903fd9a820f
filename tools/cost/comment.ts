/**
 * Posts the cost comment on a pull request (GitHub) or merge request (GitLab), or edits the one it posted before:
 * the comment whose body starts with COMMENT_MARKER. One comment per pull request, current after every push.
 *
 *   npx tsx tools/cost/comment.ts github <owner/repo> <pull number> <body.md> [key]     token in GITHUB_TOKEN
 *   npx tsx tools/cost/comment.ts gitlab <project id> <merge request iid> <body.md> [key]  token in GITLAB_TOKEN
 *
 * `key` (a stack name, say) gives each of several comments on one pull request its own marker, so a job per stack
 * keeps one comment per stack.
 *
 * API bases: GITHUB_API_URL (Actions sets it; default https://api.github.com), CI_API_V4_URL (GitLab CI sets it;
 * default https://gitlab.com/api/v4). GitHub: GET/POST /repos/{repo}/issues/{n}/comments, PATCH
 * /repos/{repo}/issues/comments/{id}. GitLab: GET/POST /projects/{id}/merge_requests/{iid}/notes, PUT
 * .../notes/{note_id}. Exit 0 posted or updated, 1 the API refused, 2 bad command line.
 */
import { readFileSync } from "node:fs";
import { COMMENT_MARKER } from "./markdown";

export type Forge = "github" | "gitlab";

export interface CommentTarget {
  forge: Forge;
  /** API base URL without a trailing slash. */
  api: string;
  token: string;
  /** GitHub `owner/repo`; GitLab project id or URL-encoded path. */
  project: string;
  /** Pull request number (GitHub) or merge request iid (GitLab). */
  number: number;
}

type Fetch = typeof fetch;

export class CommentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommentError";
  }
}

function headers(t: CommentTarget): Record<string, string> {
  const common = { "Content-Type": "application/json", Accept: "application/json" };
  return t.forge === "github"
    ? { ...common, Authorization: `Bearer ${t.token}`, Accept: "application/vnd.github+json" }
    : { ...common, "PRIVATE-TOKEN": t.token };
}

function listUrl(t: CommentTarget, page: number): string {
  return t.forge === "github"
    ? `${t.api}/repos/${t.project}/issues/${t.number}/comments?per_page=100&page=${page}`
    : `${t.api}/projects/${encodeURIComponent(t.project)}/merge_requests/${t.number}/notes?per_page=100&page=${page}`;
}

function itemUrl(t: CommentTarget, id: number): string {
  return t.forge === "github"
    ? `${t.api}/repos/${t.project}/issues/comments/${id}`
    : `${t.api}/projects/${encodeURIComponent(t.project)}/merge_requests/${t.number}/notes/${id}`;
}

async function call(fetcher: Fetch, url: string, init: RequestInit): Promise<unknown> {
  const response = await fetcher(url, init);
  const text = await response.text();
  if (!response.ok)
    throw new CommentError(`${init.method ?? "GET"} ${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text === "" ? null : (JSON.parse(text) as unknown);
}

/** `<!-- storyforge-cost -->`, or `<!-- storyforge-cost v1 -->` for key "v1". */
export function markerFor(key?: string): string {
  if (key === undefined || key === "") return COMMENT_MARKER;
  if (!/^[\w.-]+$/.test(key))
    throw new CommentError(`comment key must be letters, digits, . _ or -, got ${JSON.stringify(key)}`);
  return COMMENT_MARKER.replace(" -->", ` ${key} -->`);
}

/** Finds our earlier comment (its first line is the marker, with `key`) and edits it, or posts a new one. */
export async function upsertComment(
  target: CommentTarget,
  rendered: string,
  fetcher: Fetch = fetch,
  key?: string,
): Promise<{ action: "created" | "updated"; id: number }> {
  if (!rendered.startsWith(`${COMMENT_MARKER}\n`))
    throw new CommentError(`the comment body must start with ${COMMENT_MARKER} (use --format ${target.forge})`);
  const marker = markerFor(key);
  const body = `${marker}${rendered.slice(COMMENT_MARKER.length)}`;
  let existing: number | undefined;
  for (let page = 1; existing === undefined && page <= 50; page++) {
    const comments = (await call(fetcher, listUrl(target, page), {
      method: "GET",
      headers: headers(target),
    })) as Array<{
      id: number;
      body?: string;
    }>;
    existing = comments.find((c) => (c.body ?? "").split("\n")[0] === marker)?.id;
    if (comments.length < 100) break;
  }
  const payload = JSON.stringify({ body });
  if (existing !== undefined) {
    await call(fetcher, itemUrl(target, existing), {
      method: target.forge === "github" ? "PATCH" : "PUT",
      headers: headers(target),
      body: payload,
    });
    return { action: "updated", id: existing };
  }
  const created = (await call(fetcher, listUrl(target, 1).replace(/\?.*$/, ""), {
    method: "POST",
    headers: headers(target),
    body: payload,
  })) as { id: number };
  return { action: "created", id: created.id };
}

async function main(argv: string[]): Promise<number> {
  const [forge, project, number, file, key] = argv;
  if ((forge !== "github" && forge !== "gitlab") || project === undefined || !/^\d+$/.test(number ?? "") || !file) {
    process.stderr.write("usage: tsx tools/cost/comment.ts github|gitlab <repo|project id> <number> <body.md> [key]\n");
    return 2;
  }
  const tokenVar = forge === "github" ? "GITHUB_TOKEN" : "GITLAB_TOKEN";
  const token = process.env[tokenVar];
  if (token === undefined || token === "") {
    process.stderr.write(`${tokenVar} is not set: the ${forge} API needs a token to post the comment\n`);
    return 2;
  }
  const api = (
    forge === "github"
      ? (process.env.GITHUB_API_URL ?? "https://api.github.com")
      : (process.env.CI_API_V4_URL ?? "https://gitlab.com/api/v4")
  ).replace(/\/$/, "");
  try {
    const result = await upsertComment(
      { forge, api, token, project, number: Number(number) },
      readFileSync(file, "utf8"),
      fetch,
      key,
    );
    process.stdout.write(`cost comment ${result.action} (id ${result.id})\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));

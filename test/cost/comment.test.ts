/**
 * The CI step that posts the cost comment: against a local stand-in for the GitHub and GitLab REST APIs (the
 * routes and methods the docs name), the first run posts one comment and every later run edits that same comment.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { type Forge, upsertComment } from "../../tools/cost/comment";
import { COMMENT_MARKER } from "../../tools/cost/markdown";

interface Note {
  id: number;
  body: string;
}

/** A forge with one pull request: comments by others, and whatever the tool posts. */
function fakeForge(forge: Forge) {
  const notes: Note[] = [{ id: 1, body: "LGTM" }];
  const calls: string[] = [];
  const list = forge === "github" ? "/repos/acme/app/issues/7/comments" : "/projects/42/merge_requests/7/notes";
  const item =
    forge === "github"
      ? /^\/repos\/acme\/app\/issues\/comments\/(\d+)$/
      : /^\/projects\/42\/merge_requests\/7\/notes\/(\d+)$/;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = "";
    req.on("data", (c: Buffer) => (data += c.toString()));
    req.on("end", () => {
      const path = (req.url ?? "").split("?")[0];
      calls.push(`${req.method} ${path}`);
      const authorised =
        forge === "github" ? req.headers.authorization === "Bearer t0ken" : req.headers["private-token"] === "t0ken";
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (!authorised) return send(401, { message: "Bad credentials" });
      if (path === list && req.method === "GET") return send(200, notes);
      if (path === list && req.method === "POST") {
        const note = { id: 100 + notes.length, body: (JSON.parse(data) as Note).body };
        notes.push(note);
        return send(201, note);
      }
      const match = item.exec(path);
      if (match !== null && req.method === (forge === "github" ? "PATCH" : "PUT")) {
        const note = notes.find((n) => n.id === Number(match[1]));
        if (note === undefined) return send(404, {});
        note.body = (JSON.parse(data) as Note).body;
        return send(200, note);
      }
      send(404, { message: `no route ${req.method} ${path}` });
    });
  });
  return { server, notes, calls };
}

describe.each(["github", "gitlab"] as const)("the %s cost comment", (forge) => {
  const fake = fakeForge(forge);
  let api: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    api = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => fake.server.close(() => resolve()));
  });
  const target = () => ({ forge, api, token: "t0ken", project: forge === "github" ? "acme/app" : "42", number: 7 });

  it("is posted once, then edited in place on every later run", async () => {
    const first = await upsertComment(target(), `${COMMENT_MARKER}\n### Monthly cost: +$10.00`);
    const second = await upsertComment(target(), `${COMMENT_MARKER}\n### Monthly cost: +$25.00`);
    expect(first.action).toBe("created");
    expect(second).toEqual({ action: "updated", id: first.id });
    expect(fake.notes.map((n) => n.body)).toEqual(["LGTM", `${COMMENT_MARKER}\n### Monthly cost: +$25.00`]);
  });

  it("keeps one comment per key (stack) on the same pull request", async () => {
    const v1 = await upsertComment(target(), `${COMMENT_MARKER}\nv1 +$1`, fetch, "v1");
    const v2 = await upsertComment(target(), `${COMMENT_MARKER}\nv2 +$2`, fetch, "v2");
    const v1again = await upsertComment(target(), `${COMMENT_MARKER}\nv1 +$3`, fetch, "v1");
    expect(v1again).toEqual({ action: "updated", id: v1.id });
    expect(v2.id).not.toBe(v1.id);
    expect(fake.notes.map((n) => n.body.split("\n"))).toEqual([
      ["LGTM"],
      [COMMENT_MARKER, "### Monthly cost: +$25.00"],
      ["<!-- storyforge-cost v1 -->", "v1 +$3"],
      ["<!-- storyforge-cost v2 -->", "v2 +$2"],
    ]);
  });

  it("refuses a body without the marker, and reports the API's refusal", async () => {
    await expect(upsertComment(target(), "### no marker")).rejects.toThrow(`must start with ${COMMENT_MARKER}`);
    await expect(upsertComment({ ...target(), token: "wrong" }, `${COMMENT_MARKER}\nx`)).rejects.toThrow(/HTTP 401/);
  });
});

describe("the documented CI examples", () => {
  const doc = (name: string) => readFileSync(join(__dirname, "..", "..", "docs", "ci", name), "utf8");

  it("GitHub Actions: previews with --show-sames, renders --format github with a guardrail, posts with comment.ts", () => {
    const workflow = parse(doc("github-cost-comment.yml")) as {
      on: Record<string, unknown>;
      permissions: Record<string, string>;
      jobs: Record<string, { steps: Array<{ run?: string }> }>;
    };
    expect(Object.keys(workflow.on)).toContain("pull_request");
    expect(workflow.permissions["pull-requests"]).toBe("write");
    const script = Object.values(workflow.jobs)
      .flatMap((j) => j.steps.map((s) => s.run ?? ""))
      .join("\n");
    expect(script).toMatch(/pulumi preview .*--json --show-sames/);
    expect(script).toMatch(/npm run --silent cost -- --from .* --format github .*--fail-above-/);
    expect(script).toMatch(/tools\/cost\/comment\.ts github "\$GITHUB_REPOSITORY" "\$PR" cost\.md "\$STACK"/);
  });

  it("GitLab CI: the same for merge requests with --format gitlab", () => {
    const pipeline = parse(doc("gitlab-cost-comment.yml")) as Record<string, { script?: string[]; rules?: unknown }>;
    const script = Object.values(pipeline)
      .flatMap((j) => j.script ?? [])
      .join("\n");
    expect(script).toMatch(/pulumi preview .*--json --show-sames/);
    expect(script).toMatch(/npm run --silent cost -- --from .* --format gitlab .*--fail-above-/);
    expect(script).toMatch(
      /tools\/cost\/comment\.ts gitlab "\$CI_PROJECT_ID" "\$CI_MERGE_REQUEST_IID" cost\.md "\$STACK"/,
    );
  });
});

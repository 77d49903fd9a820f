import { Router, type Response } from "express";
import type { Context } from "../../core/context";
import { notFound } from "../../core/errors";
import { CACHE_CONTROL } from "../../core/keys";
import type { SceneService } from "../services/scenes";
import type { TopicService } from "../services/topics";
import type { JobService } from "../services/jobs";
import { state } from "../http";
import * as v from "../validate";

/** Sends cached JSON text as is. */
const sendJson = (res: Response, cacheControl: string, json: string): void => {
  res.setHeader("Cache-Control", cacheControl);
  res.type("application/json").send(json);
};

/** Public reads: topics, scenes, playlists, jobs, search. */
export function readRoutes(ctx: Context, s: { topics: TopicService; scenes: SceneService; jobs: JobService }): Router {
  const r = Router();

  r.get("/topics", async (_req, res) => {
    sendJson(res, CACHE_CONTROL.topics, await s.topics.list(state(res).target));
  });

  r.get("/topics/:id", async (req, res) => {
    const id = v.uuid("id", req.params.id);
    const json = await s.topics.get(id, state(res).target);
    if (json === null) throw notFound("topic", id);
    sendJson(res, CACHE_CONTROL.topics, json);
  });

  r.get("/scenes", async (req, res) => {
    const topicRaw = v.queryString("topicId", req.query.topicId);
    const cursor = v.queryString("cursor", req.query.cursor);
    const page = await s.scenes.list({
      ...(topicRaw === undefined ? {} : { topicId: v.uuid("topicId", topicRaw) }),
      ...(cursor === undefined ? {} : { cursor }),
      limit: v.intParam("limit", v.queryString("limit", req.query.limit), 1, 50, 20),
      target: state(res).target,
    });
    res.setHeader("Cache-Control", CACHE_CONTROL.sceneList);
    res.json(page);
  });

  r.get("/scenes/:id", async (req, res) => {
    const id = v.uuid("id", req.params.id);
    const json = await s.scenes.get(id, state(res).target);
    if (json === null) throw notFound("scene", id);
    sendJson(res, CACHE_CONTROL.scene, json);
  });

  r.get("/scenes/:id/playlist", async (req, res) => {
    const id = v.uuid("id", req.params.id);
    const m3u8 = await s.scenes.playlist(id, state(res).target);
    if (m3u8 === null) throw notFound("scene", id);
    res.setHeader("Cache-Control", CACHE_CONTROL.playlist);
    res.type("application/vnd.apple.mpegurl").send(m3u8);
  });

  r.get("/jobs/:id", async (req, res) => {
    const id = v.uuid("id", req.params.id);
    const json = await s.jobs.get(id, state(res).target);
    if (json === null) throw notFound("job", id);
    sendJson(res, CACHE_CONTROL.job, json);
  });

  r.get("/search", async (req, res) => {
    const q = v.text("q", v.queryString("q", req.query.q) ?? "", 1, 200);
    const topicRaw = v.queryString("topicId", req.query.topicId);
    const limit = v.intParam("limit", v.queryString("limit", req.query.limit), 1, 50, 20);
    const items = await ctx.search.search(q, {
      limit,
      target: state(res).target,
      ...(topicRaw === undefined ? {} : { topicId: v.uuid("topicId", topicRaw) }),
    });
    res.setHeader("Cache-Control", CACHE_CONTROL.search);
    res.setHeader("X-Search-Backend", ctx.search.name);
    res.json({ query: q, items });
  });

  return r;
}

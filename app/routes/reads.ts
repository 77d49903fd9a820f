import { Router, type RequestHandler, type Response } from "express";
import { notFound } from "../../core/errors";
import { CACHE_CONTROL } from "../../core/keys";
import type { BibleService } from "../services/bible";
import type { JobService } from "../services/jobs";
import type { SceneService } from "../services/scenes";
import type { TopicService } from "../services/topics";
import { state, type ApiContext } from "../http";
import { idParams, noQuery, openApiDocument, sceneListQuery, searchQuery } from "../schemas";
import { parse } from "../validate";

/** Sends cached JSON text as is. */
const sendJson = (res: Response, cacheControl: string, json: string): void => {
  res.setHeader("Cache-Control", cacheControl);
  res.type("application/json").send(json);
};

export interface ReadServices {
  topics: TopicService;
  scenes: SceneService;
  jobs: JobService;
  bible: BibleService;
}

/**
 * Public reads: topics, scenes, playlists, bibles, jobs, search, and this API's OpenAPI document. `mw` (rate
 * limit, caller identification, read target) runs per route, so a 429 is labelled with the route it refused.
 */
export function readRoutes(ctx: ApiContext, s: ReadServices, mw: RequestHandler[]): Router {
  const r = Router();
  const id = (params: unknown) => parse(idParams, params, "params").id;

  r.get("/topics", ...mw, async (req, res) => {
    parse(noQuery, req.query, "query");
    sendJson(res, CACHE_CONTROL.topics, await s.topics.list(state(res).target));
  });

  r.get("/topics/:id", ...mw, async (req, res) => {
    const topicId = id(req.params);
    parse(noQuery, req.query, "query");
    const json = await s.topics.get(topicId, state(res).target);
    if (json === null) throw notFound("topic", topicId);
    sendJson(res, CACHE_CONTROL.topics, json);
  });

  r.get("/scenes", ...mw, async (req, res) => {
    const q = parse(sceneListQuery, req.query, "query");
    const page = await s.scenes.list({
      ...(q.topicId === undefined ? {} : { topicId: q.topicId }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      limit: q.limit,
      target: state(res).target,
    });
    res.setHeader("Cache-Control", CACHE_CONTROL.sceneList);
    res.json(page);
  });

  r.get("/scenes/:id", ...mw, async (req, res) => {
    const sceneId = id(req.params);
    const json = await s.scenes.get(sceneId, state(res).target);
    if (json === null) throw notFound("scene", sceneId);
    sendJson(res, CACHE_CONTROL.scene, json);
  });

  r.get("/scenes/:id/playlist", ...mw, async (req, res) => {
    const sceneId = id(req.params);
    const m3u8 = await s.scenes.playlist(sceneId, state(res).target);
    if (m3u8 === null) throw notFound("scene", sceneId);
    res.setHeader("Cache-Control", CACHE_CONTROL.playlist);
    res.type("application/vnd.apple.mpegurl").send(m3u8);
  });

  r.get("/scenes/:id/bible", ...mw, async (req, res) => {
    const sceneId = id(req.params);
    const json = await s.bible.get(sceneId, state(res).target);
    if (json === null) throw notFound("scene", sceneId);
    sendJson(res, CACHE_CONTROL.bible, json);
  });

  r.get("/jobs/:id", ...mw, async (req, res) => {
    const jobId = id(req.params);
    const json = await s.jobs.get(jobId, state(res).target);
    if (json === null) throw notFound("job", jobId);
    sendJson(res, CACHE_CONTROL.job, json);
  });

  r.get("/search", ...mw, async (req, res) => {
    const q = parse(searchQuery, req.query, "query");
    const items = await ctx.search.search(q.q, {
      limit: q.limit,
      target: state(res).target,
      ...(q.topicId === undefined ? {} : { topicId: q.topicId }),
    });
    res.setHeader("Cache-Control", CACHE_CONTROL.search);
    res.setHeader("X-Search-Backend", ctx.search.name);
    res.json({ query: q.q, items });
  });

  r.get("/openapi.json", (_req, res) => {
    res.setHeader("Cache-Control", "public, max-age=300");
    res.json(openApiDocument());
  });

  return r;
}

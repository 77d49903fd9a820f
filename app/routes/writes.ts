import type { ServerResponse } from "node:http";
import { Router, type RequestHandler } from "express";
import { badRequest } from "../../core/errors";
import { CACHE_CONTROL } from "../../core/keys";
import type { ReadYourWrites } from "../../core/ryw";
import { endJson, markWrite, state, user } from "../http";
import { bibleBody, enqueueBody, idParams, newSceneBody } from "../schemas";
import type { BibleService } from "../services/bible";
import type { JobService } from "../services/jobs";
import type { SceneService } from "../services/scenes";
import type { SessionService } from "../services/sessions";
import { parse } from "../validate";

export interface WriteMiddleware {
  /** Identification, write limits, auth, JSON body: in front of every write. */
  write: RequestHandler[];
  /** The per-user creation limit, after `write`. */
  sceneCreate: RequestHandler;
  /** Writes without a body (sessions): identification, write limits, auth. */
  auth: RequestHandler[];
}

const id = (params: unknown) => parse(idParams, params, "params").id;

/** Answers an enqueue from its path parameters and parsed body, once the write checks passed. */
export type EnqueueSegment = (params: unknown, body: unknown, res: ServerResponse) => Promise<void>;

/**
 * `POST /scenes/:id/segments` past its checks: the route below and the enqueue's fast path (app/fastpath.ts) both
 * answer with it. The id is checked here, after the caller and the body, as the route always has.
 */
export function enqueueSegment(jobs: JobService, ryw: ReadYourWrites): EnqueueSegment {
  return async (params, body, res) => {
    const sceneId = id(params);
    const b = parse(enqueueBody, body, "body");
    // the read-your-writes mark once the job is committed, alongside the queue add (one round trip less)
    const { job, created } = await jobs.enqueue(
      sceneId,
      user(res),
      { prompt: b.prompt, ...(b.sequence === undefined ? {} : { sequence: b.sequence }) },
      () => markWrite(res, ryw),
    );
    res.setHeader("Cache-Control", CACHE_CONTROL.noStore);
    res.setHeader("Location", `/jobs/${job.id}`);
    endJson(
      res,
      202,
      JSON.stringify({
        jobId: job.id,
        sceneId: job.sceneId,
        sequence: job.sequence,
        status: job.status,
        created,
        statusUrl: `/jobs/${job.id}`,
      }),
    );
  };
}

/** Authenticated writes. */
export function writeRoutes(
  s: { scenes: SceneService; bible: BibleService; sessions: SessionService },
  enqueue: EnqueueSegment,
  ryw: ReadYourWrites,
  mw: WriteMiddleware,
): Router {
  const r = Router();

  r.post("/scenes", ...mw.write, mw.sceneCreate, async (req, res) => {
    const b = parse(newSceneBody, req.body, "body");
    const scene = await s.scenes.create(user(res), {
      topicId: b.topicId,
      title: b.title,
      description: b.description ?? "",
      tags: b.tags,
      thumbnailUrl: b.thumbnailUrl ?? null,
    });
    await markWrite(res, ryw);
    res.setHeader("Cache-Control", CACHE_CONTROL.noStore);
    res.status(201).location(`/scenes/${scene.id}`).json(scene);
  });

  r.post("/scenes/:id/segments", ...mw.write, (req, res) => enqueue(req.params, req.body, res));

  r.put("/scenes/:id/bible", ...mw.write, async (req, res) => {
    const sceneId = id(req.params);
    const bible = await s.bible.put(sceneId, user(res), parse(bibleBody, req.body, "body"));
    await markWrite(res, ryw);
    res.setHeader("Cache-Control", CACHE_CONTROL.noStore);
    res.json(bible);
  });

  r.post("/sessions", ...mw.auth, async (_req, res) => {
    const session = await s.sessions.create(user(res));
    res.setHeader("Cache-Control", CACHE_CONTROL.noStore);
    res.status(201).json(session);
  });

  r.delete("/sessions/current", ...mw.auth, async (_req, res) => {
    const sid = state(res).sid;
    if (sid === undefined) throw badRequest("authorization", "this token is not bound to a session");
    await s.sessions.end(user(res), sid);
    res.setHeader("Cache-Control", CACHE_CONTROL.noStore);
    res.status(204).end();
  });

  r.delete("/sessions/:id", ...mw.auth, async (req, res) => {
    await s.sessions.end(user(res), String(req.params.id));
    res.setHeader("Cache-Control", CACHE_CONTROL.noStore);
    res.status(204).end();
  });

  return r;
}

import { Router } from "express";
import { CACHE_CONTROL } from "../../core/keys";
import { markWrite, state } from "../http";
import type { ReadYourWrites } from "../../core/ryw";
import type { JobService } from "../services/jobs";
import type { SceneService } from "../services/scenes";
import * as v from "../validate";

/** Authenticated writes (auth, JSON and rate limits are applied by the server before these). */
export function writeRoutes(s: { scenes: SceneService; jobs: JobService }, ryw: ReadYourWrites): Router {
  const r = Router();

  r.post("/scenes", async (req, res) => {
    const b = v.body(req.body, ["topicId", "title", "description", "tags", "thumbnailUrl"]);
    const scene = await s.scenes.create(state(res).sub as string, {
      topicId: v.uuid("topicId", b.topicId),
      title: v.text("title", b.title, 1, 200),
      description: b.description === undefined ? "" : v.text("description", b.description, 0, 5000),
      tags: b.tags === undefined ? [] : v.tags("tags", b.tags),
      thumbnailUrl:
        b.thumbnailUrl === undefined || b.thumbnailUrl === null ? null : v.httpsUrl("thumbnailUrl", b.thumbnailUrl),
    });
    await markWrite(res, ryw);
    res.setHeader("Cache-Control", CACHE_CONTROL.noStore);
    res.status(201).location(`/scenes/${scene.id}`).json(scene);
  });

  r.post("/scenes/:id/segments", async (req, res) => {
    const id = v.uuid("id", req.params.id);
    const b = v.body(req.body, ["prompt", "sequence"]);
    const { job, created } = await s.jobs.enqueue(id, state(res).sub as string, {
      prompt: v.text("prompt", b.prompt, 1, 2000),
      ...(b.sequence === undefined ? {} : { sequence: v.int("sequence", b.sequence, 1, 100_000) }),
    });
    await markWrite(res, ryw);
    res.setHeader("Cache-Control", CACHE_CONTROL.noStore);
    res
      .status(202)
      .location(`/jobs/${job.id}`)
      .json({
        jobId: job.id,
        sceneId: job.sceneId,
        sequence: job.sequence,
        status: job.status,
        created,
        statusUrl: `/jobs/${job.id}`,
      });
  });

  return r;
}

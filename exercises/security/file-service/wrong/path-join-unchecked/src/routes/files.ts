// Your files: <FILES_DIR>/<your user id>/<name>, plus metadata kept in memory.
import fs from "node:fs/promises";
import path from "node:path";
import { Router } from "express";
import { z } from "zod";
import { requireUser } from "../auth.ts";
import { FILES_DIR } from "../config.ts";
import { getMeta, listMeta } from "../store.ts";

/** The path of a user's file, or undefined for anything but a plain name inside their folder. */
function fileOf(userId: string, name: string): string | undefined {
  return path.join(FILES_DIR, userId, name);
}

/** The only fields a client may change; owner, size, public, source and anything else are server-side. */
const MetaPatch = z.object({
  description: z.string().max(500).optional(),
  tags: z.array(z.string().min(1).max(40)).max(20).optional(),
});

export function filesRouter(): Router {
  const router = Router();

  router.get("/files", requireUser, (req, res) => {
    res.json(listMeta(req.user!.id));
  });

  router.get("/files/:name", requireUser, async (req, res) => {
    const file = fileOf(req.user!.id, req.params.name as string);
    if (!file) {
      res.status(404).json({ error: "no such file" });
      return;
    }
    try {
      const data = await fs.readFile(file);
      res.type("application/octet-stream").send(data);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        res.status(404).json({ error: "no such file" });
        return;
      }
      throw err;
    }
  });

  router.get("/files/:name/meta", requireUser, (req, res) => {
    const meta = getMeta(req.user!.id, req.params.name as string);
    if (!meta) {
      res.status(404).json({ error: "no such file" });
      return;
    }
    res.json(meta);
  });

  // Clients edit the description and the tags of a file.
  router.patch("/files/:name/meta", requireUser, (req, res) => {
    const meta = getMeta(req.user!.id, req.params.name as string);
    if (!meta) {
      res.status(404).json({ error: "no such file" });
      return;
    }
    const patch = MetaPatch.safeParse(req.body);
    if (!patch.success) {
      res.status(400).json({ error: "send { description?: text, tags?: [text] }" });
      return;
    }
    if (patch.data.description !== undefined) meta.description = patch.data.description;
    if (patch.data.tags !== undefined) meta.tags = patch.data.tags;
    meta.updatedAt = new Date().toISOString();
    res.json(meta);
  });

  return router;
}

// Your files: <FILES_DIR>/<your user id>/<name>, plus metadata kept in memory.
import fs from "node:fs/promises";
import path from "node:path";
import { Router } from "express";
import { requireUser } from "../auth.ts";
import { FILES_DIR } from "../config.ts";
import { getMeta, listMeta } from "../store.ts";

export function filesRouter(): Router {
  const router = Router();

  router.get("/files", requireUser, (req, res) => {
    res.json(listMeta(req.user!.id));
  });

  router.get("/files/:name", requireUser, async (req, res) => {
    const file = path.join(FILES_DIR, req.user!.id, req.params.name as string);
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
    Object.assign(meta, req.body, { updatedAt: new Date().toISOString() });
    res.json(meta);
  });

  return router;
}

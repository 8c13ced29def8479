// POST /imports { url, name? }: download a file from a URL into your folder.
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { Router } from "express";
import { z } from "zod";
import { requireUser } from "../auth.ts";
import { FILES_DIR, MAX_IMPORT_BYTES, SAFE_NAME } from "../config.ts";
import { refuseReason } from "../guard.ts";
import { putMeta } from "../store.ts";

const MAX_REDIRECTS = 3;

/** Fetches url without letting redirects bypass the guard: every hop is checked before it is requested. */
async function guardedFetch(start: URL): Promise<{ response: Response; url: URL } | { refused: string }> {
  let url = start;
  for (let hop = 0; ; hop++) {
    const reason = await refuseReason(url);
    if (reason) return { refused: reason };
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location) return { response, url };
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) return { refused: "too many redirects" };
    url = new URL(location, url);
  }
}

const ImportBody = z.object({ url: z.string().min(1).max(2000), name: z.string().regex(SAFE_NAME).optional() });

/** The name to store an import under: the one asked for, else the URL's last path segment. */
function nameFor(url: URL, asked: string | undefined): string {
  if (asked) return asked;
  const last = decodeURIComponent(url.pathname.split("/").pop() ?? "");
  return SAFE_NAME.test(last) ? last : `import-${randomBytes(4).toString("hex")}`;
}

export function importsRouter(): Router {
  const router = Router();

  router.post("/imports", requireUser, async (req, res) => {
    const body = ImportBody.safeParse(req.body);
    let url: URL | undefined;
    try {
      url = body.success ? new URL(body.data.url) : undefined;
    } catch {
      url = undefined;
    }
    if (!body.success || !url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      res.status(400).json({ error: "send { url: an http(s) URL, name?: a plain file name }" });
      return;
    }

    let data: Buffer;
    try {
      const result = await guardedFetch(url);
      if ("refused" in result) {
        res.status(400).json({ error: result.refused });
        return;
      }
      const remote = result.response;
      if (!remote.ok) {
        res.status(502).json({ error: `the remote server answered ${remote.status}` });
        return;
      }
      data = Buffer.from(await remote.arrayBuffer());
    } catch {
      res.status(502).json({ error: "could not download that URL" });
      return;
    }
    if (data.length > MAX_IMPORT_BYTES) {
      res.status(413).json({ error: "that file is too large" });
      return;
    }

    const name = nameFor(url, body.data.name);
    const folder = path.join(FILES_DIR, req.user!.id);
    await fs.mkdir(folder, { recursive: true });
    await fs.writeFile(path.join(folder, name), data);
    res.status(201).json(putMeta(req.user!.id, name, data.length, url.href));
  });

  return router;
}

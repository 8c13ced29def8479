// Each user's files live in their own folder: <ATTACHMENTS_DIR>/<user id>/<name>.
import fs from "node:fs/promises";
import path from "node:path";
import { Router } from "express";
import { requireUser } from "../auth.ts";

const ROOT = path.resolve(process.env.ATTACHMENTS_DIR ?? "data/attachments");
/** Names a client may give an upload: no slashes, no leading dot. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const folderOf = (userId: string) => path.join(ROOT, userId);

/** Every account starts with a welcome.txt. */
export async function createWelcome(userId: string): Promise<void> {
  await fs.mkdir(folderOf(userId), { recursive: true });
  await fs.writeFile(path.join(folderOf(userId), "welcome.txt"), "Welcome! Upload your own files with PUT /attachments/<name>.\n");
}

export function attachmentsRouter(): Router {
  const router = Router();
  router.use(requireUser);

  router.get("/", async (req, res) => {
    const dir = folderOf(req.user!.id);
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const files = await Promise.all(names.map(async (name) => ({ name, size: (await fs.stat(path.join(dir, name))).size })));
    res.json(files);
  });

  router.put("/:name", async (req, res) => {
    const name = req.params.name as string;
    if (!SAFE_NAME.test(name)) {
      res.status(400).json({ error: "file names are letters, digits, . _ and -" });
      return;
    }
    const data = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    await fs.mkdir(folderOf(req.user!.id), { recursive: true });
    await fs.writeFile(path.join(folderOf(req.user!.id), name), data);
    res.status(201).json({ name, size: data.length });
  });

  // GET /attachments/download?name=welcome.txt
  router.get("/download", async (req, res) => {
    const name = req.query.name;
    const folder = folderOf(req.user!.id);
    // Only plain names, and the resolved path must still be inside the user's folder.
    const file = typeof name === "string" && SAFE_NAME.test(name) ? path.resolve(folder, name) : null;
    if (!file || !file.startsWith(folder + path.sep)) {
      res.status(400).json({ error: "name must be a plain file name, e.g. welcome.txt" });
      return;
    }
    try {
      const data = await fs.readFile(file);
      res.attachment(path.basename(file)).type("application/octet-stream").send(data);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        res.status(404).json({ error: "no such file" });
        return;
      }
      throw err;
    }
  });

  return router;
}

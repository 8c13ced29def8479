import fs from "node:fs/promises";
import path from "node:path";
import { Router } from "express";
import { z } from "zod";
import { checkPassword, hashPassword } from "../auth.ts";
import { FILES_DIR } from "../config.ts";
import { createUser, findUserByName, putMeta } from "../store.ts";

const Credentials = z.object({ username: z.string().regex(/^[A-Za-z0-9_.-]{2,40}$/), password: z.string().min(8).max(200) });
const WELCOME = "Welcome! Import files with POST /imports and read them with GET /files/<name>.\n";

export function accountsRouter(): Router {
  const router = Router();

  router.post("/signup", async (req, res) => {
    const body = Credentials.safeParse(req.body);
    if (!body.success) {
      res.status(400).json({ error: "username (2-40 letters, digits, _ . -) and password (at least 8 characters) are required" });
      return;
    }
    const user = createUser(body.data.username, await hashPassword(body.data.password));
    if (!user) {
      res.status(409).json({ error: "that username is taken" });
      return;
    }
    const folder = path.join(FILES_DIR, user.id);
    await fs.mkdir(folder, { recursive: true });
    await fs.writeFile(path.join(folder, "welcome.txt"), WELCOME);
    putMeta(user.id, "welcome.txt", Buffer.byteLength(WELCOME), null);
    res.status(201).json(user);
  });

  router.post("/login", async (req, res) => {
    const body = Credentials.safeParse(req.body);
    const user = body.success ? findUserByName(body.data.username) : undefined;
    if (!body.success || !user || !(await checkPassword(body.data.password, user.passwordHash))) {
      res.status(401).json({ error: "wrong username or password" });
      return;
    }
    res.json({ token: user.token, user: { id: user.id, username: user.username } });
  });

  return router;
}

import { Router } from "express";
import { z } from "zod";
import { checkPassword, hashPassword, issueToken, requireUser } from "../auth.ts";
import { createWelcome } from "./attachments.ts";
import { allUsers, createNote, createUser, findUserByName, type User } from "../store.ts";

const Credentials = z.object({
  username: z.string().regex(/^[A-Za-z0-9_.-]{3,32}$/, "3-32 letters, digits, _ . or -"),
  password: z.string().min(8).max(200),
});

/** What a user may change about themselves. Role, id, password hash: never from the request. */
const ProfileChanges = z.object({ displayName: z.string().trim().min(1).max(80) });

/** What the API shows of a user: listed field by field, so a new internal field never leaks. */
function publicUser(user: User) {
  return { id: user.id, username: user.username, displayName: user.displayName, role: user.role, createdAt: user.createdAt };
}

export function accountsRouter(): Router {
  const router = Router();

  router.post("/signup", async (req, res) => {
    const parsed = Credentials.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: "invalid signup", issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) });
      return;
    }
    const { username, password } = parsed.data;
    if (findUserByName(username)) {
      res.status(409).json({ error: "username taken" });
      return;
    }
    const user = createUser(username, await hashPassword(password));
    createNote(user.id, { title: "Welcome to Notes", body: "This is your first note. Search your notes with GET /search?q=welcome; your files are under /attachments (there is a welcome.txt already)." });
    await createWelcome(user.id);
    res.status(201).json(publicUser(user));
  });

  router.post("/login", async (req, res) => {
    const parsed = Credentials.safeParse(req.body);
    const user = parsed.success ? findUserByName(parsed.data.username) : undefined;
    if (!parsed.success || !user || !(await checkPassword(parsed.data.password, user.passwordHash))) {
      res.status(401).json({ error: "wrong username or password" });
      return;
    }
    res.json({ token: issueToken(user), user: publicUser(user) });
  });

  router.get("/me", requireUser, (req, res) => {
    res.json(publicUser(req.user!));
  });

  // Edit your profile, e.g. { "displayName": "Ada L." }.
  router.patch("/me", requireUser, (req, res) => {
    const parsed = ProfileChanges.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: "displayName (1-80 characters) is the field you can change" });
      return;
    }
    Object.assign(req.user!, req.body);
    res.json(publicUser(req.user!));
  });

  router.get("/admin/users", requireUser, (req, res) => {
    if (req.user!.role !== "admin") {
      res.status(403).json({ error: "admins only" });
      return;
    }
    res.json(allUsers().map(publicUser));
  });

  return router;
}

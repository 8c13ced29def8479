import { Router, type Request } from "express";
import { z } from "zod";
import { requireUser } from "../auth.ts";
import { render } from "../render.ts";
import { createNote, deleteNote, findNote, findUser, notesOf } from "../store.ts";

const NewNote = z.object({
  title: z.string().min(1).max(200),
  body: z.string().max(20_000),
  public: z.boolean().optional(),
});

const NOTE_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>\${note.title}</title>
  <style>body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; } .body { white-space: pre-wrap; }</style>
</head>
<body>
  <h1>\${note.title}</h1>
  <div class="body">\${note.body}</div>
  <p><small>by \${author} · updated \${note.updatedAt}</small></p>
</body>
</html>`;

const noteFrom = (req: Request) => findNote(Number(req.params.id));

export function notesRouter(): Router {
  const router = Router();

  // The HTML page of a note: public notes for everyone, the others for signed-in users.
  router.get("/notes/:id/view", (req, res) => {
    const note = noteFrom(req);
    if (!note || (!note.public && !req.user)) {
      res.status(404).json({ error: "note not found" });
      return;
    }
    const author = findUser(note.ownerId)?.displayName ?? "someone";
    res.type("html").send(render(NOTE_PAGE, { note, author }));
  });

  router.get("/notes", requireUser, (req, res) => {
    res.json(notesOf(req.user!.id));
  });

  router.post("/notes", requireUser, (req, res) => {
    const parsed = NewNote.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: "a note needs a title (1-200 characters) and a body", issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) });
      return;
    }
    res.status(201).json(createNote(req.user!.id, parsed.data));
  });

  router.get("/notes/:id", requireUser, (req, res) => {
    const note = noteFrom(req);
    if (!note) {
      res.status(404).json({ error: "note not found" });
      return;
    }
    res.json(note);
  });

  router.patch("/notes/:id", requireUser, (req, res) => {
    const note = noteFrom(req);
    if (!note) {
      res.status(404).json({ error: "note not found" });
      return;
    }
    Object.assign(note, req.body, { updatedAt: new Date().toISOString() });
    res.json(note);
  });

  router.delete("/notes/:id", requireUser, (req, res) => {
    const note = noteFrom(req);
    if (!note) {
      res.status(404).json({ error: "note not found" });
      return;
    }
    deleteNote(note.id);
    res.status(204).end();
  });

  // GET /search?q=milk: your notes whose title or body contains q (any case).
  router.get("/search", requireUser, (req, res) => {
    const q = String(req.query.q ?? "").trim();
    const needle = q.toLowerCase();
    const found = notesOf(req.user!.id).filter((n) => `${n.title}\n${n.body}`.toLowerCase().includes(needle));
    const summary = render('${count} note(s) match "' + q + '"', { count: found.length });
    res.json({ query: q, count: found.length, summary, notes: found });
  });

  return router;
}

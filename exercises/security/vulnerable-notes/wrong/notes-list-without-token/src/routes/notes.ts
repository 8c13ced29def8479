import { Router, type Request } from "express";
import { z } from "zod";
import { requireUser } from "../auth.ts";
import { html } from "../html.ts";
import { createNote, deleteNote, findNote, findUser, notesOf, type Note } from "../store.ts";

const NewNote = z.object({
  title: z.string().min(1).max(200),
  body: z.string().max(20_000),
  public: z.boolean().optional(),
});
/** What a client may change: nothing else (no ownerId, id, dates) is ever copied. */
const NoteChanges = NewNote.partial();

const issues = (e: z.ZodError) => e.issues.map((i) => `${i.path.join(".")}: ${i.message}`);

function notePage(note: Note, author: string): string {
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${note.title}</title>
  <style>body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; } .body { white-space: pre-wrap; }</style>
</head>
<body>
  <h1>${note.title}</h1>
  <div class="body">${note.body}</div>
  <p><small>by ${author} · updated ${note.updatedAt}</small></p>
</body>
</html>`;
}

/** The note with this id if the signed-in user owns it; anyone else gets the same 404 as a missing id. */
function ownNote(req: Request): Note | undefined {
  const note = findNote(Number(req.params.id));
  return note && note.ownerId === req.user?.id ? note : undefined;
}

export function notesRouter(): Router {
  const router = Router();

  // The HTML page of a note: public notes for everyone, private ones for their owner only.
  router.get("/notes/:id/view", (req, res) => {
    const note = findNote(Number(req.params.id));
    if (!note || (!note.public && note.ownerId !== req.user?.id)) {
      res.status(404).json({ error: "note not found" });
      return;
    }
    const author = findUser(note.ownerId)?.displayName ?? "someone";
    res.type("html").send(notePage(note, author));
  });

  router.get("/notes", (req, res) => {
    res.json(notesOf(req.user?.id ?? ""));
  });

  router.post("/notes", requireUser, (req, res) => {
    const parsed = NewNote.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: "a note needs a title (1-200 characters) and a body", issues: issues(parsed.error) });
      return;
    }
    res.status(201).json(createNote(req.user!.id, parsed.data));
  });

  router.get("/notes/:id", requireUser, (req, res) => {
    const note = ownNote(req);
    if (!note) {
      res.status(404).json({ error: "note not found" });
      return;
    }
    res.json(note);
  });

  router.patch("/notes/:id", requireUser, (req, res) => {
    const note = ownNote(req);
    if (!note) {
      res.status(404).json({ error: "note not found" });
      return;
    }
    const parsed = NoteChanges.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: "title, body and public are the fields you can change", issues: issues(parsed.error) });
      return;
    }
    const { title, body, public: isPublic } = parsed.data;
    if (title !== undefined) note.title = title;
    if (body !== undefined) note.body = body;
    if (isPublic !== undefined) note.public = isPublic;
    note.updatedAt = new Date().toISOString();
    res.json(note);
  });

  router.delete("/notes/:id", requireUser, (req, res) => {
    const note = ownNote(req);
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
    // q is data: it is placed into the text, never compiled as part of a template.
    const summary = `${found.length} note(s) match "${q}"`;
    res.json({ query: q, count: found.length, summary, notes: found });
  });

  return router;
}

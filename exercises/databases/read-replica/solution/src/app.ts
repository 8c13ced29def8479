// The notes API. Every request names its client in the X-Client-Id header (a browser tab, a
// mobile app session): "the same client" below means the same X-Client-Id.
import express, { type ErrorRequestHandler, type Request } from "express";
import { z } from "zod";
import { primary } from "./db.ts";
import { readerFor, wrote } from "./routing.ts";

type Note = { id: number; author: string; title: string; body: string; version: number };
const COLUMNS = "id, author, title, body, version";

const NewNote = z.object({ title: z.string().trim().min(1).max(200), body: z.string().max(10_000).default("") });
const Edit = z.object({ body: z.string().max(10_000) });

class Problem extends Error {
  constructor(readonly status: number, readonly title: string, detail: string) {
    super(detail);
  }
}

function client(req: Request): string {
  const id = req.get("x-client-id") ?? "";
  if (!/^[\w-]{1,64}$/.test(id)) throw new Problem(400, "X-Client-Id missing", "Send X-Client-Id: 1-64 letters, digits, _ or -.");
  return id;
}

function noteId(req: Request): number {
  const raw = String(req.params.id);
  if (!/^[1-9]\d{0,15}$/.test(raw)) throw new Problem(400, "Not an id", `"${raw}" is not a note id.`);
  return Number(raw);
}

function body<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const r = schema.safeParse(req.body);
  if (!r.success) throw new Problem(400, "Invalid note", r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return r.data;
}

export function createApp() {
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "20kb" }));
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.post("/notes", async (req, res) => {
    const who = client(req);
    const n = body(NewNote, req);
    const { rows } = await primary.query<Note>(`insert into notes (author, title, body) values ($1, $2, $3) returning ${COLUMNS}`, [who, n.title, n.body]);
    await wrote(who);
    res.status(201).location(`/notes/${rows[0]!.id}`).json(rows[0]);
  });

  app.patch("/notes/:id", async (req, res) => {
    const who = client(req);
    const id = noteId(req);
    const e = body(Edit, req);
    const { rows } = await primary.query<Note>(`update notes set body = $2, version = version + 1, updated_at = now() where id = $1 returning ${COLUMNS}`, [id, e.body]);
    if (!rows[0]) throw new Problem(404, "Not found", `There is no note ${id}.`);
    await wrote(who);
    res.json(rows[0]);
  });

  app.get("/notes/:id", async (req, res) => {
    const who = client(req);
    const id = noteId(req);
    const db = await readerFor(who);
    const { rows } = await db.query<Note>(`select ${COLUMNS} from notes where id = $1`, [id]);
    if (!rows[0]) throw new Problem(404, "Not found", `There is no note ${id}.`);
    res.json(rows[0]);
  });

  // The client's own notes, newest first.
  app.get("/notes", async (req, res) => {
    const who = client(req);
    const db = await readerFor(who);
    const { rows } = await db.query<Note>(`select ${COLUMNS} from notes where author = $1 order by id desc limit 50`, [who]);
    res.json({ notes: rows });
  });

  const errors: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof Problem) {
      res.status(err.status).type("application/problem+json").send(JSON.stringify({ title: err.title, status: err.status, detail: err.message }));
      return;
    }
    if (err?.type === "entity.parse.failed") {
      res.status(400).type("application/problem+json").send(JSON.stringify({ title: "Not JSON", status: 400 }));
      return;
    }
    console.error(err);
    res.status(500).type("application/problem+json").send(JSON.stringify({ title: "Internal error", status: 500 }));
  };
  app.use(errors);
  return app;
}

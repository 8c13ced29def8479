import express, { type ErrorRequestHandler, type Request } from "express";
import * as store from "./books.ts";

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function bookOr404(req: Request): store.Book {
  const book = store.get(Number(req.params.id));
  if (!book) throw new HttpError(404, "book not found");
  return book;
}

// TODO(api): a client gets "title is required" but never learns which other fields are wrong.
function check(body: any, partial: boolean): Partial<store.BookFields> {
  if (typeof body !== "object" || body === null) throw new HttpError(400, "body must be a JSON object");
  const out: Partial<store.BookFields> = {};
  for (const key of ["title", "author"] as const) {
    if (body[key] === undefined && partial) continue;
    if (typeof body[key] !== "string" || body[key].trim() === "") throw new HttpError(400, `${key} is required`);
    out[key] = body[key];
  }
  if (body.year !== undefined && body.year !== null && !Number.isInteger(body.year)) throw new HttpError(400, "year must be an integer");
  if (body.year !== undefined || !partial) out.year = body.year ?? null;
  return out;
}

export function createApp() {
  const app = express();
  app.set("etag", false);
  app.use(express.json());

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  // TODO(api): offset pagination skips or repeats books when the collection changes between pages.
  app.get("/books", (req, res) => {
    const limit = Number(req.query.limit ?? 20);
    const offset = Number(req.query.offset ?? 0);
    const books = store.all();
    const data = books.slice(offset, offset + limit);
    const next = offset + limit < books.length ? `/books?limit=${limit}&offset=${offset + limit}` : null;
    res.json({ data, next });
  });

  // TODO(api): a retried POST (timeout, flaky network) creates the book twice.
  app.post("/books", (req, res) => {
    const book = store.create(check(req.body, false) as store.BookFields);
    res.status(201).location(`/books/${book.id}`).json(book);
  });

  app.get("/books/:id", (req, res) => {
    res.json(bookOr404(req));
  });

  // TODO(api): two clients editing the same book overwrite each other's changes.
  app.put("/books/:id", (req, res) => {
    const book = bookOr404(req);
    res.json(store.replace(book.id, check(req.body, false) as store.BookFields));
  });

  app.patch("/books/:id", (req, res) => {
    const { id, ...current } = bookOr404(req);
    res.json(store.replace(id, { ...current, ...check(req.body, true) }));
  });

  app.delete("/books/:id", (req, res) => {
    store.remove(bookOr404(req).id);
    res.status(204).end();
  });

  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });

  // TODO(api): errors should be RFC 9457 problem details.
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === "number" && err.status >= 400 && err.status < 600 ? err.status : 500;
    if (status >= 500) console.error(err);
    res.status(status).json({ error: status >= 500 ? "internal error" : String(err?.message ?? "bad request") });
  };
  app.use(onError);
  return app;
}

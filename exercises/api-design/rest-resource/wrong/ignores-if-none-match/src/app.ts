import express, { type ErrorRequestHandler, type Request, type Response } from "express";
import * as store from "./books.ts";
import { invalid, notFound, Problem, sendProblem } from "./problem.ts";
import { openapi } from "./openapi.ts";

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

// --- helpers ---

function bookOr404(req: Request): store.Book {
  const raw = String(req.params.id);
  const book = /^[1-9]\d{0,15}$/.test(raw) ? store.get(Number(raw)) : undefined;
  if (!book) throw notFound(`There is no book with id ${JSON.stringify(raw)}.`);
  return book;
}

function fieldsOr400(req: Request, partial: boolean): Partial<store.BookFields> {
  if (req.body === undefined) throw new Problem(415, "unsupported-media-type", "Unsupported media type", "Send the book as JSON with Content-Type: application/json.");
  const { fields, errors } = store.validate(req.body, partial);
  if (errors.length > 0) throw invalid(`${errors.length} field(s) are not valid: ${errors.map((e) => e.field).join(", ")}.`, errors);
  return fields;
}

function sendBook(res: Response, status: number, book: store.Book): void {
  res.status(status).set("ETag", store.etagOf(book)).json(book);
}

/** The entity tags listed in an If-Match / If-None-Match header ("*" stays "*"). */
const tagsIn = (header: string): string[] => header.split(",").map((t) => t.trim()).filter(Boolean);

/** If-Match: a strong comparison, so a weak tag never matches. */
function checkIfMatch(req: Request, book: store.Book): void {
  const header = req.get("if-match");
  if (header === undefined) {
    throw new Problem(428, "precondition-required", "Precondition required", "Send If-Match with the ETag of the book you read, so a concurrent update is not overwritten.");
  }
  const current = store.etagOf(book);
  const tags = tagsIn(header);
  if (!tags.includes("*") && !tags.includes(current)) {
    throw new Problem(412, "precondition-failed", "Precondition failed", "The book has changed since you read it. GET it again and retry with its new ETag.");
  }
}

// --- idempotency: one stored response per key ---

type Stored = { fingerprint: string; status: number; location: string; body: store.Book };
const idempotent = new Map<string, Stored>();

/** The body in a canonical form, so key order does not make two equal bodies differ. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

// --- cursors: opaque to clients, base64url of a small JSON document ---

const encodeCursor = (afterId: number) => Buffer.from(JSON.stringify({ v: 1, after: afterId })).toString("base64url");

function decodeCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { v?: unknown; after?: unknown };
    if (parsed.v === 1 && typeof parsed.after === "number" && Number.isInteger(parsed.after) && parsed.after >= 0) return parsed.after;
  } catch {}
  throw invalid("The cursor is not one this API handed out. Start again without a cursor.", [{ field: "cursor", message: "is not a valid cursor" }]);
}

function singleQuery(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw invalid(`Give ${name} once.`, [{ field: name, message: "must be given once" }]);
  return v;
}

export function createApp() {
  const app = express();
  app.set("etag", false); // ETags are computed per book below, strong ones
  app.use(express.json({ type: ["application/json", "application/merge-patch+json"], limit: "16kb" }));

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.get("/openapi.json", (_req, res) => {
    res.json(openapi);
  });

  app.get("/books", (req, res) => {
    const rawLimit = singleQuery(req, "limit");
    const limit = rawLimit === undefined ? DEFAULT_LIMIT : Number(rawLimit);
    if (!/^\d+$/.test(rawLimit ?? "20") || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw invalid(`limit must be an integer from 1 to ${MAX_LIMIT}.`, [{ field: "limit", message: `must be an integer from 1 to ${MAX_LIMIT}` }]);
    }
    const rawCursor = singleQuery(req, "cursor");
    const afterId = rawCursor === undefined ? 0 : decodeCursor(rawCursor);
    const { items, more } = store.pageAfter(afterId, limit);
    const last = items.at(-1);
    const next = more && last ? `/books?limit=${limit}&cursor=${encodeCursor(last.id)}` : null;
    if (next) res.set("Link", `<${next}>; rel="next"`);
    res.json({ data: items, next });
  });

  app.post("/books", (req, res) => {
    const key = req.get("idempotency-key");
    if (key !== undefined && (key.length < 1 || key.length > 255)) {
      throw invalid("Idempotency-Key must be 1 to 255 characters.", [{ field: "Idempotency-Key", message: "must be 1 to 255 characters" }]);
    }
    const fingerprint = canonical(req.body);
    if (key !== undefined) {
      const seen = idempotent.get(key);
      if (seen && seen.fingerprint !== fingerprint) {
        throw new Problem(422, "idempotency-key-reused", "Idempotency-Key reused", "This Idempotency-Key was already used with a different request body. Use a new key for a new request.");
      }
      if (seen) {
        res.status(seen.status).set({ Location: seen.location, ETag: store.etagOf(seen.body), "Idempotent-Replayed": "true" }).json(seen.body);
        return;
      }
    }
    const fields = fieldsOr400(req, false) as store.BookFields;
    const book = store.create(fields);
    const location = `/books/${book.id}`;
    if (key !== undefined) idempotent.set(key, { fingerprint, status: 201, location, body: book });
    res.location(location);
    sendBook(res, 201, book);
  });

  app.get("/books/:id", (req, res) => {
    const book = bookOr404(req);
    sendBook(res, 200, book);
  });

  app.put("/books/:id", (req, res) => {
    const book = bookOr404(req);
    checkIfMatch(req, book);
    const fields = fieldsOr400(req, false) as store.BookFields;
    sendBook(res, 200, store.replace(book.id, fields));
  });

  app.patch("/books/:id", (req, res) => {
    const book = bookOr404(req);
    checkIfMatch(req, book);
    const fields = fieldsOr400(req, true);
    const { id, ...current } = book;
    sendBook(res, 200, store.replace(id, { ...current, ...fields }));
  });

  app.delete("/books/:id", (req, res) => {
    const book = bookOr404(req);
    store.remove(book.id);
    res.status(204).end();
  });

  app.use((req) => {
    throw notFound(`There is no ${req.method} ${req.path} in this API. GET /openapi.json lists what there is.`);
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof Problem) return sendProblem(res, err);
    if (err?.type === "entity.parse.failed") return sendProblem(res, new Problem(400, "malformed-json", "Malformed JSON", "The request body is not valid JSON."));
    const status = typeof err?.status === "number" && err.status >= 400 && err.status < 600 ? err.status : 500;
    if (status >= 500) console.error(err);
    sendProblem(res, new Problem(status, status >= 500 ? "internal-error" : "bad-request", status >= 500 ? "Internal server error" : "Bad request", status >= 500 ? "Something went wrong on our side." : String(err?.message ?? "")));
  };
  app.use(onError);
  return app;
}

// Hidden tests for "A REST resource done right". The service runs at SERVICE_URL with an
// in-memory store; every test creates the books it needs (titles carry a random suffix).
import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { call, createBook, describeReply, expectProblem, newBook, page, pathOf, unique } from "./support.ts";

const STRONG_ETAG = /^"[\x21\x23-\x7e]*"$/;

describe("create and delete", () => {
  it("POST /books answers 201 with a Location that GET resolves to the same book", async () => {
    const body = newBook("Create");
    const { book, reply } = await createBook(body);
    expect(book, `POST /books -> ${describeReply(reply)}`).toMatchObject(body);
    expect(book.id, "the created book needs an id").toBeDefined();
    const location = reply.headers.get("location");
    expect(location, "201 Created must carry a Location header").toBeTruthy();
    const got = await call(pathOf(location!));
    expect(got.status, `GET ${location} -> ${describeReply(got)}`).toBe(200);
    expect(got.json, `GET ${location}`).toEqual(book);
  });

  it("DELETE /books/:id answers 204 with no body, then the book is gone (404)", async () => {
    const { book } = await createBook();
    const del = await call(`/books/${book.id}`, { method: "DELETE" });
    expect(del.status, `DELETE /books/${book.id} -> ${describeReply(del)}`).toBe(204);
    expect(del.text, "a 204 has no body").toBe("");
    const again = await call(`/books/${book.id}`);
    expect(again.status, `GET /books/${book.id} after DELETE -> ${describeReply(again)}`).toBe(404);
  });
});

describe("problem details (RFC 9457)", () => {
  it("an unknown book (404) and malformed JSON (400) are application/problem+json with type, title, status and detail", async () => {
    expectProblem(await call("/books/987654321"), 404, "GET /books/987654321");
    const r = await call("/books", { method: "POST", headers: { "content-type": "application/json" }, body: '{"title": "Dune",' });
    expectProblem(r, 400, "POST /books with a truncated JSON body");
  });

  it("a validation error is a 400 problem that lists every invalid field", async () => {
    const r = await call("/books", { method: "POST", json: { year: "nineteen sixty-five" } });
    const problem = expectProblem(r, 400, 'POST /books {"year": "nineteen sixty-five"}');
    expect(Array.isArray(problem.errors), `the problem needs an "errors" array, one entry per invalid field: ${r.text}`).toBe(true);
    const fields = problem.errors.map((e: any) => e?.field);
    for (const field of ["title", "author", "year"]) expect(fields, `"errors" must name the field "${field}": ${r.text}`).toContain(field);
  });
});

describe("Idempotency-Key", () => {
  it("the same key with the same body replays the first response instead of creating a second book", async () => {
    const key = randomUUID();
    const body = newBook("Idempotent");
    const first = await call("/books", { method: "POST", json: body, headers: { "idempotency-key": key } });
    const second = await call("/books", { method: "POST", json: body, headers: { "idempotency-key": key } });
    expect(first.status, `first POST -> ${describeReply(first)}`).toBe(201);
    expect(second.status, `retried POST with the same Idempotency-Key -> ${describeReply(second)}`).toBe(201);
    expect(second.json, "the retry must answer the same book (same id), not a new one").toEqual(first.json);
    expect(second.headers.get("location"), "the retry must answer the same Location").toBe(first.headers.get("location"));
    const third = await call("/books", { method: "POST", json: body, headers: { "idempotency-key": randomUUID() } });
    expect(third.json?.id, "a different key is a different request and creates a new book").not.toEqual(first.json?.id);
  });

  it("the same key with a different body is a 422 problem", async () => {
    const key = randomUUID();
    const first = await call("/books", { method: "POST", json: newBook("Key A"), headers: { "idempotency-key": key } });
    expect(first.status, `first POST -> ${describeReply(first)}`).toBe(201);
    const reused = await call("/books", { method: "POST", json: newBook("Key B"), headers: { "idempotency-key": key } });
    expectProblem(reused, 422, "POST /books reusing an Idempotency-Key with another body");
  });
});

describe("cursor pagination", () => {
  it("limit defaults to 20 and must be 1 to 100 (400 problem otherwise)", async () => {
    for (let i = 0; i < 21; i++) await createBook(newBook("Filler"));
    const first = await page("/books");
    expect(first.data.length, "GET /books without limit returns 20 books").toBe(20);
    expect(first.next, "more books follow, so next must be a link").toBeTypeOf("string");
    const max = await page("/books?limit=100");
    expect(max.data.length, "limit=100 is allowed").toBeGreaterThan(20);
    expect(max.data.length).toBeLessThanOrEqual(100);
    for (const bad of ["0", "101", "-5", "ten"]) expectProblem(await call(`/books?limit=${bad}`), 400, `GET /books?limit=${bad}`);
  });

  it("following next walks every book once, in id order, even when a book is deleted mid-walk", async () => {
    const mine: any[] = [];
    for (let i = 0; i < 7; i++) mine.push((await createBook(newBook("Walk"))).book);
    const mineIds = new Set(mine.map((b) => JSON.stringify(b.id)));
    const seen: any[] = [];
    let deleted: any = null;
    let path: string | null = "/books?limit=3";
    for (let n = 0; path && n < 500; n++) {
      const p = await page(path);
      expect(p.data.length, `${path} must return at most limit=3 books`).toBeLessThanOrEqual(3);
      seen.push(...p.data);
      if (!deleted) {
        deleted = p.data.find((b) => mineIds.has(JSON.stringify(b.id))) ?? null;
        if (deleted) {
          const del = await call(`/books/${deleted.id}`, { method: "DELETE" });
          expect(del.status, `DELETE /books/${deleted.id} -> ${describeReply(del)}`).toBe(204);
        }
      }
      if (p.next) {
        const url = new URL(p.next, "http://x");
        const cursor = url.searchParams.get("cursor");
        expect(cursor, `next (${p.next}) must carry a cursor parameter`).toBeTruthy();
        expect(url.searchParams.has("offset") || url.searchParams.has("page"), `next (${p.next}) must not be an offset or page number`).toBe(false);
        expect(/^\d+$/.test(cursor!), `the cursor must be opaque, not a bare number: ${cursor}`).toBe(false);
      }
      path = p.next ? pathOf(p.next) : null;
    }
    expect(path, "the walk did not end after 500 pages").toBeNull();
    const ids = seen.map((b) => b.id);
    expect(new Set(ids.map((i) => JSON.stringify(i))).size, `a book was returned twice: ${JSON.stringify(ids)}`).toBe(ids.length);
    const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(ids, "books must come in id order").toEqual(sorted);
    const seenIds = new Set(ids.map((i) => JSON.stringify(i)));
    const missing = mine.filter((b) => !seenIds.has(JSON.stringify(b.id)));
    expect(missing.map((b) => b.id), "books that exist were skipped because one was deleted between pages").toEqual([]);
  });

  it("a cursor the API did not hand out is a 400 problem", async () => {
    expectProblem(await call("/books?cursor=not-a-real-cursor"), 400, "GET /books?cursor=not-a-real-cursor");
  });
});

describe("conditional requests", () => {
  it("GET /books/:id sends a strong ETag; If-None-Match with it answers 304 with no body", async () => {
    const { book } = await createBook();
    const got = await call(`/books/${book.id}`);
    const etag = got.headers.get("etag");
    expect(etag, `GET /books/${book.id} must send an ETag`).toBeTruthy();
    expect(etag, 'the ETag must be strong: a quoted string without "W/"').toMatch(STRONG_ETAG);
    const cached = await call(`/books/${book.id}`, { headers: { "if-none-match": etag! } });
    expect(cached.status, `GET with If-None-Match: ${etag} -> ${describeReply(cached)}`).toBe(304);
    expect(cached.text, "a 304 has no body").toBe("");
    const other = await call(`/books/${book.id}`, { headers: { "if-none-match": '"something-else"' } });
    expect(other.status, "If-None-Match with another tag answers the book").toBe(200);
  });

  it("PUT and PATCH without If-Match are 428 problems and change nothing", async () => {
    const { book } = await createBook();
    expectProblem(await call(`/books/${book.id}`, { method: "PUT", json: newBook("Put") }), 428, "PUT without If-Match");
    expectProblem(await call(`/books/${book.id}`, { method: "PATCH", json: { title: "Patched" } }), 428, "PATCH without If-Match");
    expect((await call(`/books/${book.id}`)).json, "the book must be unchanged").toEqual(book);
  });

  it("PATCH with the current ETag updates and changes the ETag; the old ETag is then a 412 problem", async () => {
    const { book } = await createBook();
    const etag = (await call(`/books/${book.id}`)).headers.get("etag") ?? '"none"';
    const title = unique("Patched");
    const patched = await call(`/books/${book.id}`, { method: "PATCH", json: { title }, headers: { "if-match": etag } });
    expect(patched.status, `PATCH with If-Match: ${etag} -> ${describeReply(patched)}`).toBe(200);
    expect(patched.json, "PATCH changes only the fields sent").toEqual({ ...book, title });
    const newEtag = patched.headers.get("etag");
    expect(newEtag, "the PATCH response must carry the new ETag").toBeTruthy();
    expect(newEtag, "the ETag must change when the book changes").not.toBe(etag);
    const stale = await call(`/books/${book.id}`, { method: "PATCH", json: { title: "Lost update" }, headers: { "if-match": etag } });
    expectProblem(stale, 412, "PATCH with the ETag from before the last change");
    expect((await call(`/books/${book.id}`)).json?.title, "a 412 must not change the book").toBe(title);
  });

  it("PUT replaces the whole book with the current ETag, 412 with a stale one, 400 for an invalid body", async () => {
    const { book } = await createBook();
    const etag = (await call(`/books/${book.id}`)).headers.get("etag") ?? '"none"';
    const invalid = await call(`/books/${book.id}`, { method: "PUT", json: { title: "No author" }, headers: { "if-match": etag } });
    expectProblem(invalid, 400, "PUT without an author");
    const replacement = { title: unique("Replaced"), author: "Octavia E. Butler", year: 1979 };
    const put = await call(`/books/${book.id}`, { method: "PUT", json: replacement, headers: { "if-match": etag } });
    expect(put.status, `PUT with If-Match: ${etag} -> ${describeReply(put)}`).toBe(200);
    expect(put.json, "PUT answers the replaced book").toEqual({ id: book.id, ...replacement });
    const stale = await call(`/books/${book.id}`, { method: "PUT", json: newBook("Late"), headers: { "if-match": etag } });
    expectProblem(stale, 412, "PUT with the ETag from before the last change");
  });
});

describe("OpenAPI", () => {
  it("GET /openapi.json is an OpenAPI 3.1 document listing every path and method with its status codes", async () => {
    const r = await call("/openapi.json");
    expect(r.status, `GET /openapi.json -> ${describeReply(r)}`).toBe(200);
    const doc = r.json;
    expect(String(doc?.openapi), '"openapi" must be a 3.1.x version').toMatch(/^3\.1\.\d+$/);
    const expected: Record<string, Record<string, string[]>> = {
      "/books": { get: ["200", "400"], post: ["201", "400", "422"] },
      "/books/{id}": { get: ["200", "304", "404"], put: ["200", "400", "404", "412", "428"], patch: ["200", "400", "404", "412", "428"], delete: ["204", "404"] },
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(doc?.paths?.[path], `paths must list "${path}"`).toBeTypeOf("object");
      for (const [method, codes] of Object.entries(methods)) {
        const responses = doc.paths[path]?.[method]?.responses;
        expect(responses, `paths["${path}"].${method} must be documented with its responses`).toBeTypeOf("object");
        for (const code of codes) expect(Object.keys(responses), `${method.toUpperCase()} ${path} must declare the ${code} response`).toContain(code);
      }
    }
  });
});

// Helpers for the hidden tests: HTTP calls against SERVICE_URL and problem-details checks.
import { randomUUID } from "node:crypto";
import { expect } from "vitest";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");

export type Reply = { status: number; headers: Headers; text: string; json: any };

export async function call(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Reply> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  const res = await fetch(BASE + path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body, signal: AbortSignal.timeout(3000) });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, text, json: parsed };
}

export const describeReply = (r: Reply) => `${r.status} ${r.headers.get("content-type") ?? "(no content-type)"} ${r.text.slice(0, 300)}`;

export const unique = (label: string) => `${label} ${randomUUID().slice(0, 8)}`;

export const newBook = (label = "Book") => ({ title: unique(label), author: "Ursula K. Le Guin", year: 1969 });

/** Creates a book and returns it with its ETag (asserting the basics on the way). */
export async function createBook(body: unknown = newBook()): Promise<{ book: any; etag: string | null; reply: Reply }> {
  const reply = await call("/books", { method: "POST", json: body });
  expect(reply.status, `POST /books ${JSON.stringify(body)} -> ${describeReply(reply)}`).toBe(201);
  return { book: reply.json, etag: reply.headers.get("etag"), reply };
}

/** An RFC 9457 problem: the media type, the four members, and status equal to the HTTP status. */
export function expectProblem(r: Reply, status: number, what: string): any {
  const where = `${what} -> ${describeReply(r)}`;
  expect(r.status, where).toBe(status);
  expect(r.headers.get("content-type") ?? "", `${where}\nerrors must be sent as application/problem+json`).toMatch(/^application\/problem\+json\b/);
  expect(r.json, `${where}\nthe body must be a JSON object`).toBeTypeOf("object");
  for (const member of ["type", "title", "detail"]) {
    expect(typeof r.json?.[member] === "string" && r.json[member].length > 0, `${where}\nthe problem needs a non-empty string "${member}"`).toBe(true);
  }
  expect(r.json.status, `${where}\nthe problem's "status" must equal the HTTP status`).toBe(status);
  return r.json;
}

/** The page's items and its next link (from the body's `next`). */
export async function page(path: string): Promise<{ data: any[]; next: string | null; reply: Reply }> {
  const reply = await call(path);
  expect(reply.status, `GET ${path} -> ${describeReply(reply)}`).toBe(200);
  expect(Array.isArray(reply.json?.data), `GET ${path} must answer {"data": [...], "next": ...}`).toBe(true);
  const next = reply.json.next;
  expect(next === null || typeof next === "string", `GET ${path}: "next" must be a link or null`).toBe(true);
  return { data: reply.json.data, next, reply };
}

/** `next` may be absolute or a path; returns the path-and-query to call. */
export function pathOf(link: string): string {
  const u = new URL(link, BASE);
  return u.pathname + u.search;
}

// Helpers for the hidden tests: HTTP calls to the service at SERVICE_URL and fresh accounts.
import { randomBytes } from "node:crypto";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");

/** Parsed JSON, typed loosely: the tests check its shape with expect(). */
 
export type Json = any;
export type Note = { id: number; ownerId: string; title: string; body: string; public: boolean };
export type Reply = { status: number; type: string; text: string; json: Json; bytes: Buffer };

export async function api(path: string, init: { method?: string; token?: string; json?: unknown; body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  let body: Buffer | string | undefined;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  } else if (init.body !== undefined) {
    body = init.body;
  }
  const res = await fetch(BASE + path, { method: init.method ?? "GET", headers, body, signal: AbortSignal.timeout(4000) });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString("utf8");
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, type: res.headers.get("content-type") ?? "", text, json, bytes };
}

/** A short description of a reply for assertion messages. */
export const show = (r: Reply) => `${r.status} ${r.text.slice(0, 300)}`;

export const uniqueName = (prefix = "user") => `${prefix}_${randomBytes(4).toString("hex")}`;

export type Account = { username: string; password: string; token: string; id: string };

/** Signs up and logs in a fresh account. */
export async function newAccount(prefix?: string): Promise<Account> {
  const username = uniqueName(prefix);
  const password = `pw-${randomBytes(6).toString("hex")}`;
  const signup = await api("/signup", { method: "POST", json: { username, password } });
  if (signup.status !== 201) throw new Error(`POST /signup for a fresh account answered ${show(signup)} (expected 201)`);
  const login = await api("/login", { method: "POST", json: { username, password } });
  if (login.status !== 200 || typeof login.json?.token !== "string") throw new Error(`POST /login answered ${show(login)} (expected 200 with a token)`);
  return { username, password, token: login.json.token, id: signup.json?.id };
}

export async function newNote(token: string, fields: { title: string; body: string; public?: boolean }): Promise<Note> {
  const r = await api("/notes", { method: "POST", token, json: fields });
  if (r.status !== 201 || r.json?.id === undefined) throw new Error(`POST /notes answered ${show(r)} (expected 201 with the note and its id)`);
  return r.json;
}

/** The text a browser shows for HTML source: tags dropped, character references decoded. */
export function decodeEntities(html: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };
  return html.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return named[ref.toLowerCase()] ?? whole;
  });
}

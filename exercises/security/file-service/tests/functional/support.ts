// Helpers for the hidden tests: HTTP calls to the service at SERVICE_URL, fresh accounts and
// a "mirror" (an HTTP server on one of the IMPORT_ALLOW addresses) to import from.
import { randomBytes } from "node:crypto";
import http from "node:http";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
/** exercise.yaml sets IMPORT_ALLOW=127.0.0.1:47800,127.0.0.1:47801; the security probe uses 47800. */
export const MIRROR_PORT = 47801;

/** Parsed JSON, typed loosely: the tests check its shape with expect(). */
export type Json = any;
export type Reply = { status: number; type: string; text: string; json: Json };

export async function api(path: string, init: { method?: string; token?: string; json?: unknown } = {}): Promise<Reply> {
  const headers = new Headers();
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  let body: string | undefined;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  const res = await fetch(BASE + path, { method: init.method ?? "GET", headers, body, signal: AbortSignal.timeout(8000) });
  const text = await res.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, type: res.headers.get("content-type") ?? "", text, json };
}

export const show = (r: Reply) => `${r.status} ${r.text.slice(0, 300)}`;
export const uniqueName = (prefix = "user") => `${prefix}_${randomBytes(4).toString("hex")}`;

export type Account = { username: string; password: string; token: string; id: string };

export async function newAccount(prefix?: string): Promise<Account> {
  const username = uniqueName(prefix);
  const password = `pw-${randomBytes(6).toString("hex")}`;
  const signup = await api("/signup", { method: "POST", json: { username, password } });
  if (signup.status !== 201) throw new Error(`POST /signup for a fresh account answered ${show(signup)} (expected 201)`);
  const login = await api("/login", { method: "POST", json: { username, password } });
  if (login.status !== 200 || typeof login.json?.token !== "string") throw new Error(`POST /login answered ${show(login)} (expected 200 with a token)`);
  return { username, password, token: login.json.token, id: signup.json?.id };
}

export type Mirror = { url: string; files: Map<string, string>; hits: string[]; close(): Promise<void> };

/** Serves `files` (path -> text) on 127.0.0.1:MIRROR_PORT; other paths are 404. */
export async function startMirror(): Promise<Mirror> {
  const files = new Map<string, string>();
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    const text = files.get(req.url ?? "");
    if (text === undefined) res.writeHead(404, { "content-type": "text/plain" }).end("not here");
    else res.writeHead(200, { "content-type": "text/plain" }).end(text);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(MIRROR_PORT, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${MIRROR_PORT}`,
    files,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

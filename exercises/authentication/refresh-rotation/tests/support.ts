// Helpers for the hidden tests: HTTP calls to the service and fresh accounts.
import { randomBytes } from "node:crypto";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");

export type Answer = { status: number; headers: Headers; body: any; text: string };

export async function call(method: string, path: string, opts: { json?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers = new Headers(opts.headers);
  if (opts.json !== undefined) headers.set("content-type", "application/json");
  if (opts.token !== undefined) headers.set("authorization", `Bearer ${opts.token}`);
  const res = await fetch(BASE + path, {
    method,
    headers,
    body: opts.json !== undefined ? JSON.stringify(opts.json) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** What the test saw, for assertion messages. */
export const seen = (a: Answer) => `got ${a.status} ${a.text.slice(0, 300)}`;

export const freshEmail = (tag = "user") => `${tag}-${randomBytes(5).toString("hex")}@example.test`;
export const PASSWORD = "correct horse battery staple";

export type Pair = { accessToken: string; refreshToken: string };

export async function signup(email = freshEmail(), password = PASSWORD): Promise<{ id: string; email: string; password: string }> {
  const res = await call("POST", "/signup", { json: { email, password } });
  if (res.status !== 201) throw new Error(`POST /signup {email, password} should answer 201: ${seen(res)}`);
  return { id: res.body?.id, email, password };
}

export async function login(email: string, password = PASSWORD): Promise<Pair> {
  const res = await call("POST", "/login", { json: { email, password } });
  if (res.status !== 200 || typeof res.body?.accessToken !== "string" || typeof res.body?.refreshToken !== "string") {
    throw new Error(`POST /login with the right password should answer 200 {accessToken, refreshToken}: ${seen(res)}`);
  }
  return { accessToken: res.body.accessToken, refreshToken: res.body.refreshToken };
}

export const refresh = (refreshToken: string) => call("POST", "/refresh", { json: { refreshToken } });
export const me = (token: string) => call("GET", "/me", { token });

/** A JWT's header and payload, not verified. */
export function decodeJwt(token: string): { header: any; payload: any } {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error(`the access token should be a JWT (header.payload.signature), got ${token.slice(0, 60)}`);
  const part = (s: string) => JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
  return { header: part(parts[0]!), payload: part(parts[1]!) };
}

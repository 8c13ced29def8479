// Helpers for the hidden tests: a client's side of the authorization code flow with PKCE,
// spoken over HTTP. Redirects are never followed: the tests read the Location header.
import crypto from "node:crypto";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");

export const PHOTO = { id: "photo-app", redirect: "https://photos.example/callback" };
export const NOTES = { id: "notes-web", redirect: "https://notes.example/oauth/callback?tenant=acme" };
export const MOBILE = { id: "mobile-app", redirects: ["com.example.mobile:/oauth2redirect", "https://mobile.example/oauth2redirect"] };

export type Answer = { status: number; headers: Headers; body: any; text: string; location: URL | null; rawLocation: string | null };

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const rawLocation = res.headers.get("location");
  let location: URL | null = null;
  try {
    location = rawLocation ? new URL(rawLocation, BASE) : null;
  } catch {
    location = null;
  }
  return { status: res.status, headers: res.headers, body, text, location, rawLocation };
}

/** What a test saw, for assertion messages. */
export function seen(a: Answer): string {
  const loc = a.rawLocation ? ` Location: ${a.rawLocation}` : "";
  return `HTTP ${a.status}${loc} ${a.text.slice(0, 300)}`;
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = crypto.randomBytes(32).toString("base64url");
  return { verifier, challenge: crypto.createHash("sha256").update(verifier).digest("base64url") };
}

export function randomState(): string {
  return crypto.randomBytes(9).toString("base64url");
}

/** GET /authorize with these query parameters (undefined ones left out), as the logged-in user. */
export async function authorize(params: Record<string, string | undefined>, opts: { user?: string | null; rawQuery?: string } = {}): Promise<Answer> {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.append(k, v);
  const headers: Record<string, string> = {};
  if (opts.user !== null) headers["x-demo-user"] = opts.user ?? "alice";
  const res = await fetch(`${BASE}/authorize?${opts.rawQuery ?? query.toString()}`, { redirect: "manual", headers });
  return answer(res);
}

/** The redirect's target without its query: what the browser is sent to. */
export function target(a: Answer): string | null {
  if (!a.rawLocation) return null;
  return a.rawLocation.split("?")[0]!;
}

/** Runs /authorize for a client with a fresh PKCE pair and returns the code it redirected with. */
export async function getCode(client: { id: string }, opts: { redirectUri?: string; scope?: string; state?: string } = {}) {
  const { verifier, challenge } = pkce();
  const state = opts.state ?? randomState();
  const res = await authorize({
    response_type: "code",
    client_id: client.id,
    redirect_uri: opts.redirectUri,
    scope: opts.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  const code = res.location?.searchParams.get("code");
  if (res.status < 300 || res.status > 303 || !code) throw new Error(`GET /authorize for ${client.id} should redirect with a code: ${seen(res)}`);
  return { code, verifier, challenge, state, location: res.location!, answer: res };
}

/** POST /token with a form body (undefined fields left out). */
export async function token(form: Record<string, string | undefined>): Promise<Answer> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== undefined) body.append(k, v);
  const res = await fetch(`${BASE}/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: body.toString() });
  return answer(res);
}

/** The usual token request for a code from getCode(). */
export function exchange(client: { id: string }, got: { code: string; verifier: string }, redirectUri?: string, overrides: Record<string, string | undefined> = {}) {
  return token({ grant_type: "authorization_code", code: got.code, client_id: client.id, redirect_uri: redirectUri, code_verifier: got.verifier, ...overrides });
}

export async function userinfo(accessToken: string): Promise<Answer> {
  return answer(await fetch(`${BASE}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } }));
}

/** Moves the service's clock forward (the starter's POST /_test/clock hook). */
export async function advanceClock(seconds: number): Promise<void> {
  const res = await fetch(`${BASE}/_test/clock`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ advance_seconds: seconds }) });
  if (res.status !== 200) throw new Error(`POST /_test/clock answered ${res.status}: keep the test clock hook from the starter (src/clock.ts, src/app.ts)`);
}

// Walks through the authorization code flow with PKCE against your running service, as a
// client would, and prints every step; then tries what an attacker would.
//   tsx dev/flow.ts            (service on http://127.0.0.1:3000, or set PORT)
import crypto from "node:crypto";

const base = `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const CLIENT = "photo-app";
const REDIRECT = "https://photos.example/callback";

function expect(what: string, ok: boolean) {
  console.log(`     ${ok ? "✓" : "✗"} ${what}\n`);
}

async function authorize(params: Record<string, string | undefined>) {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  const res = await fetch(`${base}/authorize?${q}`, { redirect: "manual", headers: { "x-demo-user": "alice" } });
  const location = res.headers.get("location");
  console.log(`GET  /authorize?${q.toString().slice(0, 120)}…\n     → ${res.status}${location ? ` Location: ${location}` : ` ${(await res.text()).slice(0, 160)}`}`);
  return { status: res.status, location: location ? new URL(location) : null };
}

async function token(form: Record<string, string | undefined>) {
  const body = new URLSearchParams(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined));
  const res = await fetch(`${base}/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
  const text = await res.text();
  console.log(`POST /token ${body.toString().slice(0, 120)}…\n     → ${res.status} cache-control: ${res.headers.get("cache-control") ?? "-"} ${text.slice(0, 200)}`);
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json };
}

async function userinfo(accessToken: string) {
  const res = await fetch(`${base}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  console.log(`GET  /userinfo → ${res.status} ${(await res.text()).slice(0, 160)}`);
  return res.status;
}

// The client makes a secret verifier and sends only its hash (the challenge) through the browser.
const verifier = crypto.randomBytes(32).toString("base64url");
const challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
const state = crypto.randomBytes(8).toString("base64url");
console.log(`code_verifier  ${verifier}\ncode_challenge ${challenge} (base64url of SHA-256)\n`);

const auth = await authorize({ response_type: "code", client_id: CLIENT, redirect_uri: REDIRECT, state, code_challenge: challenge, code_challenge_method: "S256" });
const code = auth.location?.searchParams.get("code") ?? "";
expect("302 to the registered redirect URI with a code and the same state", !!code && auth.location?.searchParams.get("state") === state);

const first = await token({ grant_type: "authorization_code", code, client_id: CLIENT, redirect_uri: REDIRECT, code_verifier: verifier });
expect("200 with access_token, token_type Bearer, expires_in, Cache-Control: no-store", first.status === 200 && !!first.json?.access_token);
expect("/userinfo accepts the access token", (await userinfo(first.json?.access_token ?? "")) === 200);

console.log("-- an attacker --\n");
const evil = await authorize({ response_type: "code", client_id: CLIENT, redirect_uri: `${REDIRECT}.evil.example`, state, code_challenge: challenge, code_challenge_method: "S256" });
expect("an unregistered redirect_uri gets 400 and no redirect", evil.status === 400 && !evil.location);
const plain = await authorize({ response_type: "code", client_id: CLIENT, redirect_uri: REDIRECT, state, code_challenge: verifier, code_challenge_method: "plain" });
expect("code_challenge_method=plain is refused (error=invalid_request)", plain.location?.searchParams.get("error") === "invalid_request");
const replay = await token({ grant_type: "authorization_code", code, client_id: CLIENT, redirect_uri: REDIRECT, code_verifier: verifier });
expect("the same code again: 400 invalid_grant", replay.status === 400 && replay.json?.error === "invalid_grant");
expect("…and the access token from the first exchange is revoked (401)", (await userinfo(first.json?.access_token ?? "")) === 401);

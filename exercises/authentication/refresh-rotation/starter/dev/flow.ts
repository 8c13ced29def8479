// Walks through the token flow against your running service and prints every step:
// signup, login, /me, refresh, then the attack: the used refresh token comes back.
//   tsx dev/flow.ts            (service on http://127.0.0.1:3000, or set PORT)
import crypto from "node:crypto";

const base = `http://127.0.0.1:${process.env.PORT ?? 3000}`;

async function call(method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {}
  const short = text.length > 160 ? `${text.slice(0, 160)}…` : text;
  console.log(`${method.padEnd(4)} ${path.padEnd(9)} → ${res.status} ${short}`);
  return { status: res.status, json };
}

function expect(what: string, ok: boolean) {
  console.log(`     ${ok ? "✓" : "✗"} ${what}\n`);
}

const email = `ada-${crypto.randomBytes(3).toString("hex")}@example.test`;
const password = "correct horse battery staple";

expect("signup answers 201", (await call("POST", "/signup", { email, password })).status === 201);
const login = await call("POST", "/login", { email, password });
expect("login answers 200 with accessToken and refreshToken", login.status === 200 && !!login.json?.accessToken && !!login.json?.refreshToken);
const { accessToken: a1, refreshToken: r1 } = login.json ?? {};
if (a1) {
  const [header, payload] = String(a1).split(".").slice(0, 2).map((p) => JSON.parse(Buffer.from(p, "base64url").toString()));
  console.log(`     access token header ${JSON.stringify(header)} payload ${JSON.stringify(payload)}\n`);
}
expect("/me works with the access token", (await call("GET", "/me", undefined, a1)).status === 200);

const first = await call("POST", "/refresh", { refreshToken: r1 });
const r2 = first.json?.refreshToken;
expect("refresh gives a new pair", first.status === 200 && !!r2 && r2 !== r1);
expect("the new access token works", (await call("GET", "/me", undefined, first.json?.accessToken)).status === 200);

console.log("-- an attacker replays the first refresh token --\n");
expect("the used refresh token is refused (401)", (await call("POST", "/refresh", { refreshToken: r1 })).status === 401);
expect("…and the whole family is revoked: the newer token is refused too (401)", (await call("POST", "/refresh", { refreshToken: r2 })).status === 401);

console.log("-- login failures --\n");
const unknown = await call("POST", "/login", { email: `nobody-${crypto.randomBytes(3).toString("hex")}@example.test`, password });
const wrong = await call("POST", "/login", { email, password: "wrong password 0" });
expect("an unknown email and a wrong password get the same answer", unknown.status === wrong.status && JSON.stringify(unknown.json) === JSON.stringify(wrong.json));
const statuses: number[] = [];
for (let i = 1; i <= 5; i++) statuses.push((await call("POST", "/login", { email, password: `wrong password ${i}` })).status);
expect("after 5 failures in a minute the account answers 429", statuses.at(-1) === 429);

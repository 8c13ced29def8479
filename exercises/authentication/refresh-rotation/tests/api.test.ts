// Hidden tests for "refresh-rotation": the API's behaviour. The attacks (alg none, tampering,
// expiry, weak secret, refresh reuse, enumeration, brute force) are the security step's probes.
// Every test uses fresh accounts and at most one wrong password, so throttling never interferes.
import { describe, expect, it } from "vitest";
import { call, decodeJwt, freshEmail, login, me, PASSWORD, refresh, seen, signup } from "./support.ts";

describe("accounts", () => {
  it("POST /signup creates an account (201 {id, email}) and refuses a taken email (409)", async () => {
    const email = freshEmail("Ada");
    const res = await call("POST", "/signup", { json: { email: `  ${email.toUpperCase()} `, password: PASSWORD } });
    expect(res.status, `POST /signup: ${seen(res)}`).toBe(201);
    expect(typeof res.body?.id, `the answer should carry the new account's id: ${seen(res)}`).toBe("string");
    expect(res.body?.email, "the email is stored trimmed and lowercased").toBe(email.toLowerCase());
    expect(JSON.stringify(res.body), "the answer must not echo the password or its hash").not.toMatch(/horse|scrypt|hash/i);
    const again = await call("POST", "/signup", { json: { email: email.toLowerCase(), password: PASSWORD } });
    expect(again.status, `signing up again with the same email: ${seen(again)}`).toBe(409);
  });

  it("POST /signup answers 400 for a missing or malformed email and a password under 15 characters", async () => {
    const cases: Array<[string, unknown]> = [
      ["no body", undefined],
      ["no email", { password: PASSWORD }],
      ["an email without @", { email: "not-an-email", password: PASSWORD }],
      ["no password", { email: freshEmail() }],
      ["a 14-character password", { email: freshEmail(), password: "fourteen-chars" }],
      ["a password that is not a string", { email: freshEmail(), password: 123456789012345 }],
    ];
    for (const [what, json] of cases) {
      const res = await call("POST", "/signup", { json });
      expect(res.status, `POST /signup with ${what}: ${seen(res)}`).toBe(400);
    }
  });
});

describe("login and access tokens", () => {
  it("POST /login answers 200 with a 5-minute HS256 access token, an opaque refresh token, tokenType and expiresIn", async () => {
    const user = await signup();
    const res = await call("POST", "/login", { json: { email: user.email, password: PASSWORD } });
    expect(res.status, `POST /login: ${seen(res)}`).toBe(200);
    const { accessToken, refreshToken, tokenType, expiresIn } = res.body ?? {};
    expect(tokenType, "tokenType").toBe("Bearer");
    expect(expiresIn, "expiresIn (seconds)").toBe(300);
    const { header, payload } = decodeJwt(accessToken);
    expect(header.alg, "the access token's alg").toBe("HS256");
    expect(payload.sub, "the access token's sub is the account id from /signup").toBe(user.id);
    const now = Date.now() / 1000;
    expect(typeof payload.iat === "number" && Math.abs(payload.iat - now) < 30, `iat should be now (${payload.iat})`).toBe(true);
    expect(payload.exp - payload.iat, "exp - iat: access tokens live 300 s").toBe(300);
    expect(typeof refreshToken === "string" && refreshToken.length >= 32, "the refresh token is a string of at least 32 characters").toBe(true);
    expect(refreshToken.split(".").length, "the refresh token is opaque, not a JWT").not.toBe(3);
    const other = await login(user.email);
    expect(other.refreshToken, "each login gets its own refresh token").not.toBe(refreshToken);
  });

  it("GET /me answers the account for a valid Bearer token and 401 without one, with garbage or with another scheme", async () => {
    const user = await signup();
    const { accessToken } = await login(user.email);
    const ok = await me(accessToken);
    expect(ok.status, `GET /me with the access token: ${seen(ok)}`).toBe(200);
    expect(ok.body, "GET /me answers {id, email}").toMatchObject({ id: user.id, email: user.email });
    const none = await call("GET", "/me");
    expect(none.status, `GET /me without Authorization: ${seen(none)}`).toBe(401);
    const garbage = await me("not.a-token");
    expect(garbage.status, `GET /me with "Bearer not.a-token": ${seen(garbage)}`).toBe(401);
    const basic = await call("GET", "/me", { headers: { authorization: `Basic ${accessToken}` } });
    expect(basic.status, `GET /me with "Basic <access token>": ${seen(basic)}`).toBe(401);
  });

  it("POST /login with a wrong password answers 401 without tokens, and the right password still works after it", async () => {
    const user = await signup();
    const res = await call("POST", "/login", { json: { email: user.email, password: "wrong horse battery staple" } });
    expect(res.status, `POST /login with a wrong password: ${seen(res)}`).toBe(401);
    expect(res.text, "a failed login must not carry tokens").not.toMatch(/accessToken|refreshToken/);
    await login(user.email);
  });
});

describe("refresh and logout", () => {
  it("POST /refresh answers a new pair: both tokens differ from the old ones and the new access token works", async () => {
    const user = await signup();
    const first = await login(user.email);
    const res = await refresh(first.refreshToken);
    expect(res.status, `POST /refresh {refreshToken}: ${seen(res)}`).toBe(200);
    const { accessToken, refreshToken, tokenType, expiresIn } = res.body ?? {};
    expect(typeof accessToken === "string" && typeof refreshToken === "string", "the answer has accessToken and refreshToken").toBe(true);
    expect(tokenType, "tokenType").toBe("Bearer");
    expect(expiresIn, "expiresIn").toBe(300);
    expect(refreshToken, "a new refresh token (rotation)").not.toBe(first.refreshToken);
    expect(accessToken, "a new access token").not.toBe(first.accessToken);
    const { payload } = decodeJwt(accessToken);
    expect(payload.sub, "the new access token is for the same account").toBe(user.id);
    expect(payload.exp - payload.iat, "the new access token also lives 300 s").toBe(300);
    const who = await me(accessToken);
    expect(who.status, `GET /me with the new access token: ${seen(who)}`).toBe(200);
    expect(who.body?.id).toBe(user.id);
  });

  it("an access token issued before a refresh keeps working until it expires", async () => {
    const user = await signup();
    const first = await login(user.email);
    const res = await refresh(first.refreshToken);
    expect(res.status, `POST /refresh: ${seen(res)}`).toBe(200);
    const old = await me(first.accessToken);
    expect(old.status, `GET /me with the access token from before the refresh: ${seen(old)}`).toBe(200);
  });

  it("a session can be refreshed again and again, each time with the newest refresh token", async () => {
    const user = await signup();
    let { refreshToken } = await login(user.email);
    const seenTokens = new Set([refreshToken]);
    for (let i = 1; i <= 4; i++) {
      const res = await refresh(refreshToken);
      expect(res.status, `refresh number ${i} with the newest refresh token: ${seen(res)}`).toBe(200);
      refreshToken = res.body.refreshToken;
      expect(seenTokens.has(refreshToken), `refresh number ${i} answered a refresh token seen before`).toBe(false);
      seenTokens.add(refreshToken);
      expect((await me(res.body.accessToken)).status, `GET /me after refresh number ${i}`).toBe(200);
    }
  });

  it("POST /refresh answers 401 for an unknown refresh token and 400 without one", async () => {
    const unknown = await refresh("b3JkaW5hcnktbG9va2luZy1idXQtbmV2ZXItaXNzdWVkLXRva2Vu");
    expect(unknown.status, `POST /refresh with a token the service never issued: ${seen(unknown)}`).toBe(401);
    expect(unknown.text, "a refused refresh must not carry tokens").not.toMatch(/accessToken/);
    const missing = await call("POST", "/refresh", { json: {} });
    expect(missing.status, `POST /refresh with {}: ${seen(missing)}`).toBe(400);
  });

  it("POST /logout answers 204 and ends that session only: its refresh token is refused, another login's still works", async () => {
    const user = await signup();
    const laptop = await login(user.email);
    const phone = await login(user.email);
    const out = await call("POST", "/logout", { json: { refreshToken: laptop.refreshToken } });
    expect(out.status, `POST /logout {refreshToken}: ${seen(out)}`).toBe(204);
    const after = await refresh(laptop.refreshToken);
    expect(after.status, `POST /refresh with the logged-out refresh token: ${seen(after)}`).toBe(401);
    const other = await refresh(phone.refreshToken);
    expect(other.status, `POST /refresh for a second login of the same account (another device): ${seen(other)}`).toBe(200);
  });
});

// Hidden tests for "oauth-pkce": the protocol as a well-behaved client sees it. The attacks
// (redirect URI tricks, stolen and replayed codes) are in the security step's suite.
import { describe, expect, it } from "vitest";
import { advanceClock, authorize, exchange, getCode, NOTES, PHOTO, pkce, randomState, seen, target, token, userinfo } from "./support.ts";

const REDIRECT = [302, 303];

describe("authorization code flow", () => {
  it("authorize redirects to the registered redirect URI with a code and the state unchanged", async () => {
    const { challenge } = pkce();
    const state = `${randomState()} ä&x=/+%20?#`;
    const res = await authorize({ response_type: "code", client_id: PHOTO.id, redirect_uri: PHOTO.redirect, state, code_challenge: challenge, code_challenge_method: "S256" });
    expect(REDIRECT, `GET /authorize with a valid request: ${seen(res)}`).toContain(res.status);
    expect(target(res), "the browser is sent to the registered redirect URI").toBe(PHOTO.redirect);
    expect(res.location?.searchParams.get("error"), `no error expected: ${res.rawLocation}`).toBeNull();
    const code = res.location?.searchParams.get("code");
    expect(typeof code === "string" && code.length > 0, `the redirect carries ?code=…: ${res.rawLocation}`).toBe(true);
    expect(res.location?.searchParams.get("state"), `state must come back exactly as sent, URL-encoded (${JSON.stringify(state)}): ${res.rawLocation}`).toBe(state);
  });

  it("the code is exchanged for a no-store Bearer access token that /userinfo accepts", async () => {
    const got = await getCode(PHOTO, { redirectUri: PHOTO.redirect });
    const res = await exchange(PHOTO, got, PHOTO.redirect);
    expect(res.status, `POST /token with the code and its code_verifier: ${seen(res)}`).toBe(200);
    expect(res.headers.get("content-type") ?? "", "the token response is JSON").toMatch(/^application\/json/);
    expect(res.headers.get("cache-control") ?? "", "token responses carry Cache-Control: no-store (RFC 6749 §5.1)").toMatch(/no-store/i);
    const { access_token, token_type, expires_in } = res.body ?? {};
    expect(typeof access_token === "string" && access_token.length > 0, `access_token: ${seen(res)}`).toBe(true);
    expect(String(token_type).toLowerCase(), "token_type").toBe("bearer");
    expect(typeof expires_in === "number" && expires_in > 0, `expires_in is a number of seconds: ${seen(res)}`).toBe(true);
    const who = await userinfo(access_token);
    expect(who.status, `GET /userinfo with the access token: ${seen(who)}`).toBe(200);
    expect(who.body, "/userinfo answers the logged-in user and the client").toMatchObject({ sub: "alice", client_id: PHOTO.id });
  });

  it("redirect_uri may be left out when the client registered exactly one, and that URI's own query is kept", async () => {
    const bare = await getCode(NOTES);
    expect(`${bare.location.origin}${bare.location.pathname}`, `redirect without redirect_uri: ${bare.answer.rawLocation}`).toBe("https://notes.example/oauth/callback");
    expect(bare.location.searchParams.getAll("tenant"), `the registered URI's own ?tenant=acme must be kept: ${bare.answer.rawLocation}`).toEqual(["acme"]);
    expect(bare.location.searchParams.get("state"), "state").toBe(bare.state);
    const ok = await exchange(NOTES, bare);
    expect(ok.status, `POST /token without redirect_uri for a code requested without one: ${seen(ok)}`).toBe(200);

    const named = await getCode(NOTES, { redirectUri: NOTES.redirect });
    expect(named.location.searchParams.getAll("tenant"), `with redirect_uri=${NOTES.redirect}: ${named.answer.rawLocation}`).toEqual(["acme"]);
    const ok2 = await exchange(NOTES, named, NOTES.redirect);
    expect(ok2.status, `POST /token repeating the redirect_uri of the authorization request: ${seen(ok2)}`).toBe(200);
  });
});

describe("PKCE", () => {
  it("authorize requires a code_challenge with method S256: a missing challenge, plain or no method get invalid_request", async () => {
    const { verifier, challenge } = pkce();
    const cases: Array<[string, Record<string, string | undefined>]> = [
      ["no code_challenge", { code_challenge_method: "S256" }],
      ["code_challenge_method=plain", { code_challenge: verifier, code_challenge_method: "plain" }],
      ["no code_challenge_method (which means plain)", { code_challenge: challenge }],
    ];
    for (const [what, pkceParams] of cases) {
      const state = randomState();
      const res = await authorize({ response_type: "code", client_id: PHOTO.id, redirect_uri: PHOTO.redirect, state, ...pkceParams });
      expect(REDIRECT, `${what}: the error goes back to the (valid) redirect URI: ${seen(res)}`).toContain(res.status);
      expect(target(res), `${what}: redirect target`).toBe(PHOTO.redirect);
      expect(res.location?.searchParams.get("code"), `${what}: no code may be issued: ${res.rawLocation}`).toBeNull();
      expect(res.location?.searchParams.get("error"), `${what}: ${res.rawLocation}`).toBe("invalid_request");
      expect(res.location?.searchParams.get("state"), `${what}: state comes back with errors too`).toBe(state);
    }
  });
});

describe("codes", () => {
  it("a code still works 50 seconds after it was issued and is refused (invalid_grant) after 61", async () => {
    const early = await getCode(PHOTO, { redirectUri: PHOTO.redirect });
    await advanceClock(50);
    const ok = await exchange(PHOTO, early, PHOTO.redirect);
    expect(ok.status, `POST /token 50 s after the code was issued: ${seen(ok)}`).toBe(200);
    const late = await getCode(PHOTO, { redirectUri: PHOTO.redirect });
    await advanceClock(61);
    const res = await exchange(PHOTO, late, PHOTO.redirect);
    expect(res.status, `POST /token 61 s after the code was issued (codes live 60 s; use now() from src/clock.ts): ${seen(res)}`).toBe(400);
    expect(res.body?.error, seen(res)).toBe("invalid_grant");
  });
});

describe("scopes", () => {
  it("the token carries the granted scope; a scope the client did not register is invalid_scope", async () => {
    const got = await getCode(PHOTO, { redirectUri: PHOTO.redirect, scope: "profile photos:read" });
    const res = await exchange(PHOTO, got, PHOTO.redirect);
    expect(res.status, `POST /token: ${seen(res)}`).toBe(200);
    expect(String(res.body?.scope ?? "").split(" ").sort(), `the token response's scope: ${seen(res)}`).toEqual(["photos:read", "profile"]);
    const who = await userinfo(res.body.access_token);
    expect(String(who.body?.scope ?? "").split(" ").sort(), `/userinfo's scope: ${seen(who)}`).toEqual(["photos:read", "profile"]);

    const state = randomState();
    const bad = await authorize({ response_type: "code", client_id: NOTES.id, scope: "notes:read admin", state, code_challenge: pkce().challenge, code_challenge_method: "S256" });
    expect(REDIRECT, `scope=notes:read admin for notes-web: ${seen(bad)}`).toContain(bad.status);
    expect(bad.location?.searchParams.get("code"), `no code for a scope the client may not have: ${bad.rawLocation}`).toBeNull();
    expect(bad.location?.searchParams.get("error"), bad.rawLocation ?? "").toBe("invalid_scope");
    expect(bad.location?.searchParams.get("state"), "state").toBe(state);
  });
});

describe("errors", () => {
  it("implicit and password grants are refused: unsupported_response_type and unsupported_grant_type", async () => {
    const state = randomState();
    const implicit = await authorize({ response_type: "token", client_id: PHOTO.id, redirect_uri: PHOTO.redirect, state, code_challenge: pkce().challenge, code_challenge_method: "S256" });
    expect(REDIRECT, `response_type=token: ${seen(implicit)}`).toContain(implicit.status);
    expect(implicit.rawLocation ?? "", "no token in the redirect").not.toMatch(/access_token|[#&?]code=/);
    expect(implicit.location?.searchParams.get("error"), implicit.rawLocation ?? "").toBe("unsupported_response_type");
    expect(implicit.location?.searchParams.get("state"), "state").toBe(state);

    const password = await token({ grant_type: "password", username: "alice", password: "alice", client_id: PHOTO.id });
    expect(password.status, `grant_type=password: ${seen(password)}`).toBe(400);
    expect(password.body?.error, seen(password)).toBe("unsupported_grant_type");
    expect(password.text, "no token for the password grant").not.toMatch(/access_token/);
    const credentials = await token({ grant_type: "client_credentials", client_id: PHOTO.id });
    expect(credentials.status, `grant_type=client_credentials for a public client: ${seen(credentials)}`).toBe(400);
    expect(["unsupported_grant_type", "unauthorized_client"], seen(credentials)).toContain(credentials.body?.error);
  });

  it("token errors are 400 JSON with the RFC 6749 code: invalid_request for a missing parameter, invalid_grant for an unknown code", async () => {
    const { verifier } = pkce();
    const cases: Array<[string, Record<string, string | undefined>, string]> = [
      ["no grant_type", { code: "x".repeat(43), client_id: PHOTO.id, code_verifier: verifier }, "invalid_request"],
      ["no code", { grant_type: "authorization_code", client_id: PHOTO.id, code_verifier: verifier }, "invalid_request"],
      ["a code the server never issued", { grant_type: "authorization_code", code: "bm90LWEtcmVhbC1jb2RlLWJ1dC1sb25nLWVub3VnaC0x", client_id: PHOTO.id, code_verifier: verifier, redirect_uri: PHOTO.redirect }, "invalid_grant"],
    ];
    for (const [what, form, error] of cases) {
      const res = await token(form);
      expect(res.status, `POST /token with ${what}: ${seen(res)}`).toBe(400);
      expect(res.headers.get("content-type") ?? "", `POST /token with ${what}: errors are JSON`).toMatch(/^application\/json/);
      expect(res.body?.error, `POST /token with ${what}: ${seen(res)}`).toBe(error);
      expect(res.rawLocation, "the token endpoint never redirects").toBeNull();
    }
  });
});

describe("access tokens", () => {
  it("an access token stops working after expires_in seconds", async () => {
    const got = await getCode(PHOTO, { redirectUri: PHOTO.redirect });
    const res = await exchange(PHOTO, got, PHOTO.redirect);
    expect(res.status, `POST /token: ${seen(res)}`).toBe(200);
    const { access_token, expires_in } = res.body;
    expect(typeof expires_in === "number" && expires_in <= 3600, `access tokens are short-lived: expires_in ${expires_in}`).toBe(true);
    expect((await userinfo(access_token)).status, "GET /userinfo right after the exchange").toBe(200);
    await advanceClock(expires_in + 1);
    const later = await userinfo(access_token);
    expect(later.status, `GET /userinfo ${expires_in + 1} s later: ${seen(later)}`).toBe(401);
    expect(later.headers.get("www-authenticate") ?? "", "a 401 from a protected resource says Bearer").toMatch(/^Bearer/i);
  });
});

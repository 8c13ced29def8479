// Hidden tests for "oauth-pkce": what an attacker tries. Redirect URI tricks must be refused
// on the spot (400, no redirect: never send a browser, or a code, to an unchecked URI), and a
// stolen or replayed code must be worthless.
import { describe, expect, it } from "vitest";
import { authorize, exchange, getCode, MOBILE, PHOTO, pkce, randomState, seen, target, userinfo } from "./support.ts";

/** A valid authorization request for photo-app, with `redirect_uri` and any changes. */
function request(redirectUri: string | undefined, changes: Record<string, string | undefined> = {}) {
  return { response_type: "code", client_id: PHOTO.id, redirect_uri: redirectUri, state: randomState(), code_challenge: pkce().challenge, code_challenge_method: "S256", ...changes };
}

function expectShownNotRedirected(res: Awaited<ReturnType<typeof authorize>>, what: string) {
  expect(res.status >= 400 && res.status < 500, `${what}: must be refused with 400 on the spot: ${seen(res)}`).toBe(true);
  expect(res.rawLocation, `${what}: must not redirect anywhere: ${seen(res)}`).toBeNull();
  expect(res.text, `${what}: no code in the answer`).not.toMatch(/[?&]code=/);
}

describe("redirect URIs", () => {
  it("only an exact match of a registered redirect URI is accepted: variants get 400 and no redirect", async () => {
    const variants = [
      "https://evil.example/callback",
      "https://photos.example/callback/../../evil",
      "https://photos.example/callback/extra",
      "https://photos.example/callbackx",
      "https://photos.example/callback?next=https://evil.example/",
      "https://photos.example/callback#x",
      "https://photos.example.evil.example/callback",
      "https://photos.example@evil.example/callback",
      "https://evil.example/https://photos.example/callback",
      "https://evil.example/?r=https://photos.example/callback",
      "http://photos.example/callback",
      "https://photos.example/",
      "https://photos.example/Callback",
    ];
    for (const v of variants) expectShownNotRedirected(await authorize(request(v)), `redirect_uri=${JSON.stringify(v)}`);
    const ok = await authorize(request(PHOTO.redirect));
    expect(target(ok), `the registered URI itself still works: ${seen(ok)}`).toBe(PHOTO.redirect);
  });

  it("a client with several redirect URIs must name one: without redirect_uri the request is refused without a redirect", async () => {
    expectShownNotRedirected(await authorize(request(undefined, { client_id: MOBILE.id })), "mobile-app (2 registered redirect URIs) without redirect_uri");
    for (const uri of MOBILE.redirects) {
      const res = await authorize(request(uri, { client_id: MOBILE.id }));
      expect(target(res), `mobile-app with redirect_uri=${uri}: ${seen(res)}`).toBe(uri);
      expect(res.location?.searchParams.get("code"), `mobile-app with redirect_uri=${uri}: a code`).toBeTruthy();
    }
  });

  it("an unknown or missing client_id is refused without a redirect", async () => {
    expectShownNotRedirected(await authorize(request("https://evil.example/cb", { client_id: "evil-app" })), "client_id=evil-app");
    expectShownNotRedirected(await authorize(request(PHOTO.redirect, { client_id: "evil-app" })), "client_id=evil-app with photo-app's redirect URI");
    expectShownNotRedirected(await authorize(request(PHOTO.redirect, { client_id: undefined })), "no client_id");
  });

  it("a request with an unregistered redirect_uri is never redirected, whatever else is wrong with it", async () => {
    const evil = "https://evil.example/cb";
    const cases: Array<[string, Record<string, string | undefined>]> = [
      ["no code_challenge", { code_challenge: undefined }],
      ["code_challenge_method=plain", { code_challenge_method: "plain" }],
      ["response_type=token", { response_type: "token" }],
      ["no response_type", { response_type: undefined }],
      ["scope=admin", { scope: "admin" }],
    ];
    for (const [what, changes] of cases) expectShownNotRedirected(await authorize(request(evil, changes)), `redirect_uri=${evil} and ${what}`);
  });
});

describe("stolen codes", () => {
  it("a code is useless without its code_verifier: a wrong one, none, or the public code_challenge are refused", async () => {
    const wrong = await getCode(PHOTO, { redirectUri: PHOTO.redirect });
    const r1 = await exchange(PHOTO, wrong, PHOTO.redirect, { code_verifier: pkce().verifier });
    expect(r1.status, `POST /token with another request's code_verifier: ${seen(r1)}`).toBe(400);
    expect(r1.body?.error, seen(r1)).toBe("invalid_grant");

    const none = await getCode(PHOTO, { redirectUri: PHOTO.redirect });
    const r2 = await exchange(PHOTO, none, PHOTO.redirect, { code_verifier: undefined });
    expect(r2.status, `POST /token without code_verifier: ${seen(r2)}`).toBe(400);
    expect(["invalid_request", "invalid_grant"], seen(r2)).toContain(r2.body?.error);

    // The challenge travelled through the browser next to the code: whoever stole one has both.
    const leaked = await getCode(PHOTO, { redirectUri: PHOTO.redirect });
    const r3 = await exchange(PHOTO, leaked, PHOTO.redirect, { code_verifier: leaked.challenge });
    expect(r3.status, `POST /token with the code_challenge sent as the code_verifier (a "plain" downgrade): ${seen(r3)}`).toBe(400);
    expect(r3.body?.error, seen(r3)).toBe("invalid_grant");
  });

  it("a code is bound to the client and the redirect URI it was issued for", async () => {
    const photo = await getCode(PHOTO, { redirectUri: PHOTO.redirect });
    const other = await exchange(MOBILE, photo, PHOTO.redirect);
    expect(other.status, `photo-app's code redeemed with client_id=mobile-app: ${seen(other)}`).toBe(400);
    expect(other.body?.error, seen(other)).toBe("invalid_grant");

    const [first, second] = MOBILE.redirects;
    const mobile = await getCode(MOBILE, { redirectUri: first });
    const moved = await exchange(MOBILE, mobile, second);
    expect(moved.status, `a code sent to ${first} redeemed with redirect_uri=${second}: ${seen(moved)}`).toBe(400);
    expect(moved.body?.error, seen(moved)).toBe("invalid_grant");

    const named = await getCode(MOBILE, { redirectUri: first });
    const omitted = await exchange(MOBILE, named, undefined);
    expect(omitted.status, `a code requested with redirect_uri, redeemed without it: ${seen(omitted)}`).toBe(400);
    expect(["invalid_request", "invalid_grant"], seen(omitted)).toContain(omitted.body?.error);
  });

  it("a replayed code is refused (invalid_grant) and the access token issued for it stops working", async () => {
    const got = await getCode(PHOTO, { redirectUri: PHOTO.redirect });
    const first = await exchange(PHOTO, got, PHOTO.redirect);
    expect(first.status, `the first exchange: ${seen(first)}`).toBe(200);
    const accessToken = first.body.access_token;
    expect((await userinfo(accessToken)).status, "the access token works before the replay").toBe(200);
    const again = await exchange(PHOTO, got, PHOTO.redirect);
    expect(again.status, `the same code a second time: ${seen(again)}`).toBe(400);
    expect(again.body?.error, seen(again)).toBe("invalid_grant");
    expect(again.text, "no token for a replayed code").not.toMatch(/access_token/);
    const after = await userinfo(accessToken);
    expect(after.status, `the access token from the first exchange after the replay (RFC 9700 §4.5: revoke what the code issued): ${seen(after)}`).toBe(401);
  });

  it("codes and access tokens are long random values, never repeated", async () => {
    const codes: string[] = [];
    const tokens: string[] = [];
    for (let i = 0; i < 8; i++) {
      const got = await getCode(PHOTO, { redirectUri: PHOTO.redirect });
      codes.push(got.code);
      const res = await exchange(PHOTO, got, PHOTO.redirect);
      expect(res.status, `exchange ${i + 1}: ${seen(res)}`).toBe(200);
      tokens.push(res.body.access_token);
    }
    for (const [what, values] of [["code", codes], ["access token", tokens]] as const) {
      expect(new Set(values).size, `every ${what} is new: ${values.join(", ")}`).toBe(values.length);
      for (const v of values) {
        expect(v.length, `a ${what} of ${v.length} characters (${v}) is too short to be unguessable: use at least 128 random bits, e.g. crypto.randomBytes(32).toString("base64url")`).toBeGreaterThanOrEqual(22);
        const decoded = Buffer.from(v, "base64url").toString("latin1") + Buffer.from(v, "base64").toString("latin1");
        expect(/alice|photo-app/.test(v + decoded), `a ${what} must be random, not built from the user or client (${v}): anyone could forge one`).toBe(false);
      }
    }
  });
});

// Hidden tests for "Passkeys with WebAuthn": the tests carry a software authenticator
// (ES256, attestation "none") and drive both ceremonies through the service's JSON API.
import { describe, expect, it } from "vitest";
import { SoftAuthenticator } from "./authenticator.ts";
import { Browser, said, signIn, signUp, uniqueName } from "./support.ts";

// No test waits on a clock; the timeout only leaves room for a loaded machine (vitest's default is 5 s).
const SLOW = 20_000;

async function registerWith(c: Parameters<SoftAuthenticator["create"]>[1]) {
  const browser = new Browser();
  const options = await browser.call("/register/options", { username: uniqueName("reg") });
  expect(options.status, said(options)).toBe(200);
  return browser.call("/register/verify", new SoftAuthenticator().create(options.json, c));
}

describe("registration", { timeout: SLOW }, () => {
  it("a new account registers a passkey (attestation none, ES256), requiring user verification, and is signed in", async () => {
    const browser = new Browser();
    const username = uniqueName("ada");
    const options = await browser.call("/register/options", { username });
    expect(options.status, `POST /register/options -> ${said(options)}`).toBe(200);
    expect(options.json?.rp?.id, "the RP ID is the site's domain").toBe("localhost");
    expect(options.json?.authenticatorSelection?.userVerification, "ask authenticators for user verification").toBe("required");
    const verify = await browser.call("/register/verify", new SoftAuthenticator().create(options.json));
    expect(verify.status, `POST /register/verify -> ${said(verify)}`).toBe(200);
    const me = await browser.call("/me");
    expect(me.json?.username, `GET /me after registering -> ${said(me)}`).toBe(username);
  });

  it("a registration whose clientData origin or authenticatorData RP ID is another site's is refused", async () => {
    const origin = await registerWith({ origin: "http://localhost.evil.example:3000" });
    expect(origin.status, `origin http://localhost.evil.example:3000 -> ${said(origin)}`).toBe(400);
    const rp = await registerWith({ rpId: "evil.example" });
    expect(rp.status, `rpIdHash of evil.example -> ${said(rp)}`).toBe(400);
  });

  it("a registration without user verification (UV flag clear) is refused", async () => {
    const r = await registerWith({ uv: false });
    expect(r.status, `UV flag clear -> ${said(r)}`).toBe(400);
  });

  it("the registration challenge belongs to the session that asked for it and is used once", async () => {
    const alice = new Browser();
    const options = await alice.call("/register/options", { username: uniqueName("alice") });
    const auth = new SoftAuthenticator();
    const response = auth.create(options.json);
    const mallory = new Browser();
    const malloryOptions = await mallory.call("/register/options", { username: uniqueName("mallory") });
    const stolen = await mallory.call("/register/verify", response);
    expect(stolen.status, `alice's response posted in another session -> ${said(stolen)}`).toBe(400);
    const late = await mallory.call("/register/verify", new SoftAuthenticator().create(malloryOptions.json));
    expect(late.status, `a response for a challenge a refused attempt already used -> ${said(late)}`).toBe(400);
    const own = await alice.call("/register/verify", response);
    expect(own.status, `alice's response in her session -> ${said(own)}`).toBe(200);
    const again = await alice.call("/register/verify", new SoftAuthenticator().create(options.json));
    expect(again.status, `a second registration with the same challenge -> ${said(again)}`).toBe(400);
  });
});

describe("sign-in", { timeout: SLOW }, () => {
  it("a registered passkey signs in from a new session, asked for user verification", async () => {
    const { auth, username } = await signUp();
    const { browser, verify, options } = await signIn(auth, username);
    expect(options?.userVerification, "ask authenticators for user verification at sign-in too").toBe("required");
    expect(verify.status, `POST /login/verify -> ${said(verify)}`).toBe(200);
    const me = await browser.call("/me");
    expect(me.json?.username, `GET /me after signing in -> ${said(me)}`).toBe(username);
  });

  it("an assertion with another site's origin or RP ID, or without user verification, is refused", async () => {
    const { auth, username } = await signUp();
    for (const c of [{ origin: "http://localhost.evil.example:3000" }, { rpId: "evil.example" }, { uv: false }]) {
      const { browser, verify } = await signIn(auth, username, new Browser(), c);
      expect(verify.status, `sign-in with ${JSON.stringify(c)} -> ${said(verify)}`).toBe(401);
      expect((await browser.call("/me")).status, "a refused sign-in leaves the session signed out").toBe(401);
    }
  });

  it("an assertion is bound to its session's challenge and used once: replayed or moved to another session it is refused", async () => {
    const { auth, username } = await signUp();
    const first = new Browser();
    const options = await first.call("/login/options", { username });
    const assertion = auth.get(options.json);
    const other = new Browser();
    const otherOptions = await other.call("/login/options", { username });
    const moved = await other.call("/login/verify", assertion);
    expect(moved.status, `an assertion for another session's challenge -> ${said(moved)}`).not.toBe(200);
    const late = await other.call("/login/verify", auth.get(otherOptions.json));
    expect(late.status, `an assertion for a challenge a refused attempt already used -> ${said(late)}`).not.toBe(200);
    expect((await other.call("/me")).status, "the session of the refused attempts stays signed out").toBe(401);
    expect((await first.call("/login/verify", assertion)).status, "the assertion in its own session").toBe(200);
    const replay = await new Browser().call("/login/verify", assertion);
    expect(replay.status, `the same assertion replayed -> ${said(replay)}`).not.toBe(200);
    const twice = await first.call("/login/verify", auth.get(options.json));
    expect(twice.status, `a second assertion for a challenge already used -> ${said(twice)}`).not.toBe(200);
  });

  it("a signature counter that does not grow is refused as a cloned authenticator, and the newest counter is kept", async () => {
    const { auth, username } = await signUp();
    const twin = auth.clone();
    expect((await signIn(auth, username)).verify.status, "the original, counter 1").toBe(200);
    expect((await signIn(auth, username)).verify.status, "the original, counter 2").toBe(200);
    const cloned = await signIn(twin, username); // counter 1 again
    expect(cloned.verify.status, `the clone with counter ${twin.counter} after 2 -> ${said(cloned.verify)}`).toBe(401);
    const same = await signIn(auth, username, new Browser(), { counter: auth.counter });
    expect(same.verify.status, `the same counter (${auth.counter}) twice -> ${said(same.verify)}`).toBe(401);
    expect((await signIn(auth, username)).verify.status, "the original goes on counting").toBe(200);
  });
});

describe("several passkeys per account", { timeout: SLOW }, () => {
  it("a signed-in user adds a second passkey (the first is excluded), and both sign in to the same account", async () => {
    const { browser, auth, username } = await signUp();
    const options = await browser.call("/register/options", {});
    expect(options.status, `POST /register/options while signed in -> ${said(options)}`).toBe(200);
    expect((options.json?.excludeCredentials ?? []).map((c: any) => c.id), "excludeCredentials lists the passkeys already registered").toContain(auth.id);
    const laptop = new SoftAuthenticator();
    const added = await browser.call("/register/verify", laptop.create(options.json));
    expect(added.status, `adding a second passkey -> ${said(added)}`).toBe(200);
    const login = await new Browser().call("/login/options", { username });
    expect((login.json?.allowCredentials ?? []).map((c: any) => c.id).sort(), "allowCredentials lists both").toEqual([auth.id, laptop.id].sort());
    for (const a of [auth, laptop]) {
      const { browser: b, verify } = await signIn(a, username);
      expect(verify.status, said(verify)).toBe(200);
      expect((await b.call("/me")).json?.username).toBe(username);
    }
  });

  it("a username that is taken cannot be registered again by someone who is not signed in as it", async () => {
    const { username } = await signUp();
    const intruder = new Browser();
    const options = await intruder.call("/register/options", { username });
    if (options.status === 200) {
      const verify = await intruder.call("/register/verify", new SoftAuthenticator().create(options.json));
      expect(verify.status, `registering a passkey for the taken name "${username}" -> ${said(verify)}`).not.toBe(200);
    } else expect(options.status, `POST /register/options for a taken name -> ${said(options)}`).toBe(409);
    expect((await intruder.call("/me")).status, "the intruder must not be signed in").toBe(401);
  });
});

// Helpers for the hidden tests: a cookie-keeping browser session against SERVICE_URL.
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { SoftAuthenticator } from "./authenticator.ts";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
export type Reply = { status: number; text: string; json: any };
export const said = (r: Reply) => `${r.status} ${r.text.slice(0, 300)}`;
export const uniqueName = (label: string) => `${label}-${randomBytes(4).toString("hex")}`;

/** One browser: keeps the sid cookie the service sets. */
export class Browser {
  cookie = "";
  async call(path: string, body?: unknown): Promise<Reply> {
    const res = await fetch(BASE + path, {
      method: body === undefined ? "GET" : "POST",
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000), // a guard against a hung service, with room for a loaded machine
    });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(";")[0]!;
      const name = pair.split("=")[0];
      this.cookie = [...this.cookie.split("; ").filter((p) => p && p.split("=")[0] !== name), pair].join("; ");
    }
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, text, json };
  }
}

/** Registers `auth` as a new account's passkey in `browser`; asserts it worked. */
export async function signUp(browser = new Browser(), auth = new SoftAuthenticator(), username = uniqueName("user")) {
  const options = await browser.call("/register/options", { username });
  expect(options.status, `POST /register/options -> ${said(options)}`).toBe(200);
  const verify = await browser.call("/register/verify", auth.create(options.json));
  expect(verify.status, `POST /register/verify -> ${said(verify)}`).toBe(200);
  return { browser, auth, username, options: options.json };
}

/** A sign-in in a fresh browser (or `browser`); returns the verify reply. */
export async function signIn(auth: SoftAuthenticator, username?: string, browser = new Browser(), c = {}) {
  const options = await browser.call("/login/options", username ? { username } : {});
  expect(options.status, `POST /login/options -> ${said(options)}`).toBe(200);
  const verify = await browser.call("/login/verify", auth.get(options.json, c));
  return { browser, verify, options: options.json };
}

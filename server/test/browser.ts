import type { TestIdp } from "./oidc-provider.ts";

/**
 * A browser without a page: it follows nothing by itself and keeps cookies per host, so a
 * test walks a redirect flow step by step (and can tamper with any step).
 */
export class CookieJar {
  private jar = new Map<string, Map<string, string>>();

  cookieFor(url: URL): string {
    return [...(this.jar.get(url.host) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  get(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).host)?.get(name);
  }

  set(url: string, name: string, value: string): void {
    const host = new URL(url).host;
    this.jar.set(host, (this.jar.get(host) ?? new Map<string, string>()).set(name, value));
  }

  async fetch(
    url: string | URL,
    init: { method?: string; body?: string; form?: boolean; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const u = new URL(url);
    const res = await fetch(u, {
      method: init.method ?? "GET",
      headers: {
        cookie: this.cookieFor(u),
        ...(init.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        ...init.headers,
      },
      body: init.body,
      redirect: "manual",
    });
    const cookies = this.jar.get(u.host) ?? new Map<string, string>();
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const gone = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\b/i.test(a));
      if (gone || value === "") cookies.delete(name);
      else cookies.set(name, value);
    }
    this.jar.set(u.host, cookies);
    return res;
  }
}

const location = (res: Response, base: string | URL) => {
  const l = res.headers.get("location");
  if (!l || res.status < 300 || res.status >= 400) throw new Error(`expected a redirect, got ${res.status}`);
  return new URL(l, base);
};

/**
 * A whole sign-in through the provider: the lab's start, the provider's authorization and
 * sign-in form, back to the lab's callback. `tamperAuthorization` edits the URL the lab sends
 * the browser to, `tamperCallback` the one the provider sends it back with. Returns where the
 * lab finally redirects (the page, or /login?sso=<why>) and the callback URL used.
 */
export async function signInThroughIdp(
  labUrl: string,
  idp: TestIdp,
  login: string,
  opts: {
    jar?: CookieJar;
    next?: string;
    start?: URL;
    tamperAuthorization?: (u: URL) => void;
    tamperCallback?: (u: URL) => void;
  } = {},
): Promise<{ landed: URL; callback: URL; jar: CookieJar }> {
  const jar = opts.jar ?? new CookieJar();
  let authorize = opts.start;
  if (!authorize) {
    const start = await jar.fetch(`${labUrl}/api/auth/sso/start?next=${encodeURIComponent(opts.next ?? "/")}`);
    authorize = location(start, labUrl);
  }
  if (!authorize.href.startsWith(idp.issuer)) throw new Error(`the lab sent the browser elsewhere: ${authorize.href}`);
  opts.tamperAuthorization?.(authorize);
  let url = location(await jar.fetch(authorize), authorize);
  // The provider: the sign-in form (its interaction), then the authorization resumes.
  for (let hops = 0; !url.href.startsWith(labUrl); hops++) {
    if (hops > 6) throw new Error(`the provider never sent the browser back: ${url.href}`);
    const res = url.pathname.startsWith("/interaction/")
      ? await jar.fetch(url, { method: "POST", body: new URLSearchParams({ login }).toString(), form: true })
      : await jar.fetch(url);
    url = location(res, url);
  }
  opts.tamperCallback?.(url);
  const landed = location(await jar.fetch(url), labUrl);
  return { landed, callback: url, jar };
}

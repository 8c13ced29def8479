/**
 * The probes' only way out: a small HTTP client bound to ONE loopback base URL.
 *
 * Built on node:http rather than fetch on purpose: fetch resolves `../` and `%2e%2e/` in the
 * URL before sending (so a path-traversal payload would never reach the service), while here
 * the request-target is sent byte for byte. Redirects are never followed, every request has a
 * timeout, bodies are capped, and every exchange is kept for evidence.
 */
import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import net from "node:net";

/** The only hosts a probe may talk to (as `URL.hostname` spells them). */
export const LOOPBACK_HOSTS = ["127.0.0.1", "[::1]", "localhost"] as const;

/** The network rule was broken: a probe was pointed at something that is not loopback. */
export class NetworkRuleError extends Error {
  override name = "NetworkRuleError";
}

export type HttpErrorKind = "timeout" | "network" | "aborted" | "limit" | "invalid";

/** A request got no response (refused, reset, timed out, aborted). */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly kind: HttpErrorKind,
    readonly request: string,
    message: string,
  ) {
    super(message);
  }
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped 127.x addresses. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase();
  if (net.isIPv4(a)) return a.startsWith("127.");
  if (net.isIPv6(a)) return a === "::1" || a === "0:0:0:0:0:0:0:1" || /^::ffff:127\./.test(a);
  return false;
}

/**
 * Parses `input` and refuses anything but http(s) on 127.0.0.1, ::1 or localhost, with no
 * credentials. Throws NetworkRuleError before any connection is attempted.
 */
export function assertLoopbackUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw new NetworkRuleError(`"${String(input).slice(0, 200)}" is not a URL; give one like http://127.0.0.1:3000`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new NetworkRuleError(`refusing ${url.protocol} URL: probes speak http or https only`);
  if (url.username || url.password) throw new NetworkRuleError("refusing a URL with credentials in it");
  if (!(LOOPBACK_HOSTS as readonly string[]).includes(url.hostname)) {
    throw new NetworkRuleError(
      `refusing ${url.host}: probes only attack loopback (127.0.0.1, ::1 or localhost). Point them at your own service running on this machine.`,
    );
  }
  return url;
}

/** DNS for `localhost` that only ever answers loopback addresses. */
const loopbackLookup = ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err);
    const ok = addresses.filter((a) => isLoopbackAddress(a.address));
    if (ok.length === 0)
      return callback(
        new NetworkRuleError(`${hostname} resolved to ${addresses.map((a) => a.address).join(", ")}, not loopback`),
      );
    if (options.all) callback(null, ok);
    else callback(null, ok[0]!.address, ok[0]!.family);
  });
}) as unknown as net.LookupFunction;

/** Cookies the service set, sent back on later requests that carry this jar. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Applies `Set-Cookie` header values (deletions included). */
  store(setCookie: readonly string[]): void {
    for (const line of setCookie) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k = "", v = ""] = a.split("=").map((s) => s.trim());
        if (k.toLowerCase() === "max-age") return Number(v) <= 0;
        if (k.toLowerCase() === "expires") return Date.parse(v) < Date.now();
        return false;
      });
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  delete(name: string): void {
    this.cookies.delete(name);
  }

  get size(): number {
    return this.cookies.size;
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  clone(): CookieJar {
    const j = new CookieJar();
    for (const [k, v] of this.cookies) j.set(k, v);
    return j;
  }
}

export type HttpRequest = {
  method?: string;
  /** The request-target under the base URL's path, sent as is (no `..` resolution). Starts with "/". */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  /** Cookies from the jar are sent, `Set-Cookie` answers are stored into it. */
  jar?: CookieJar;
};

export type HttpResponse = {
  method: string;
  /** The request-target as sent. */
  target: string;
  requestHeaders: Record<string, string>;
  requestBody: string | undefined;
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body was longer than the cap and was cut. */
  truncated: boolean;
  ms: number;
  /** A header's value; repeated headers joined with ", ". */
  header(name: string): string | undefined;
  setCookies: string[];
  /** The body parsed as JSON, or undefined. */
  json(): unknown;
};

export type HttpClientOptions = {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** A runaway probe stops here. */
  maxRequests?: number;
  maxBodyBytes?: number;
};

export class HttpClient {
  readonly base: URL;
  /** Requests sent and responses received, so a caller can tell "never reachable" from "stopped answering". */
  requests = 0;
  responses = 0;
  private readonly timeoutMs: number;
  private readonly signal: AbortSignal | undefined;
  private readonly maxRequests: number;
  private readonly maxBodyBytes: number;
  private readonly prefix: string;

  constructor(base: string | URL, opts: HttpClientOptions = {}) {
    this.base = assertLoopbackUrl(base);
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.signal = opts.signal;
    this.maxRequests = opts.maxRequests ?? 300;
    this.maxBodyBytes = opts.maxBodyBytes ?? 1 << 20;
    this.prefix = this.base.pathname.replace(/\/+$/, "");
  }

  send(req: HttpRequest): Promise<HttpResponse> {
    const method = (req.method ?? "GET").toUpperCase();
    const target = this.prefix + req.path;
    const label = `${method} ${target}`;
    if (!req.path.startsWith("/"))
      return Promise.reject(
        new HttpError("invalid", label, `request path must start with "/": ${req.path.slice(0, 100)}`),
      );
    if (this.signal?.aborted)
      return Promise.reject(new HttpError("aborted", label, "the probe's time budget is spent"));
    if (this.requests >= this.maxRequests)
      return Promise.reject(new HttpError("limit", label, `more than ${this.maxRequests} requests in one probe`));
    this.requests++;

    const headers: Record<string, string> = {
      host: this.base.host,
      "user-agent": "backlab-probe/1",
      accept: "*/*",
      ...lowerKeys(req.headers ?? {}),
    };
    const cookie = req.jar?.header();
    if (cookie) headers.cookie = headers.cookie ? `${headers.cookie}; ${cookie}` : cookie;
    if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));

    const hostname = this.base.hostname.replace(/^\[|\]$/g, "");
    const secure = this.base.protocol === "https:";
    const port = this.base.port ? Number(this.base.port) : secure ? 443 : 80;
    const started = performance.now();

    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const done = (err: HttpError | null, res?: HttpResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.signal?.removeEventListener("abort", onAbort);
        if (err) reject(err);
        else resolve(res!);
      };
      let outgoing: http.ClientRequest;
      try {
        outgoing = (secure ? https : http).request({
          host: hostname,
          port,
          method,
          path: target,
          headers,
          agent: false,
          setHost: false,
          ...(hostname === "localhost" ? { lookup: loopbackLookup } : {}),
          ...(secure ? { rejectUnauthorized: false } : {}),
        });
      } catch (e) {
        done(new HttpError("invalid", label, `could not build the request: ${(e as Error).message}`));
        return;
      }
      const timeoutMs = req.timeoutMs ?? this.timeoutMs;
      const timer = setTimeout(() => {
        outgoing.destroy();
        done(new HttpError("timeout", label, `no complete answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const onAbort = () => {
        outgoing.destroy();
        done(new HttpError("aborted", label, "the probe's time budget is spent"));
      };
      this.signal?.addEventListener("abort", onAbort, { once: true });
      outgoing.on("error", (e: NodeJS.ErrnoException) => {
        if (e instanceof NetworkRuleError) done(new HttpError("invalid", label, e.message));
        else done(new HttpError("network", label, `${e.code ?? e.name}: ${e.message}`));
      });
      outgoing.on("response", (incoming) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        incoming.on("data", (c: Buffer) => {
          if (truncated) return;
          if (size + c.length > this.maxBodyBytes) {
            chunks.push(c.subarray(0, this.maxBodyBytes - size));
            truncated = true;
            finish();
            incoming.destroy();
            return;
          }
          size += c.length;
          chunks.push(c);
        });
        const finish = () => {
          if (settled) return;
          this.responses++;
          const setCookies = toArray(incoming.headers["set-cookie"]);
          req.jar?.store(setCookies);
          const body = Buffer.concat(chunks).toString("utf8");
          const resHeaders = incoming.headers;
          let parsed: { value: unknown } | undefined;
          done(null, {
            method,
            target,
            requestHeaders: headers,
            requestBody: req.body,
            status: incoming.statusCode ?? 0,
            headers: resHeaders,
            body,
            truncated,
            ms: performance.now() - started,
            setCookies,
            header: (name) => {
              const v = resHeaders[name.toLowerCase()];
              return v === undefined ? undefined : Array.isArray(v) ? v.join(", ") : String(v);
            },
            json: () => {
              if (!parsed) {
                try {
                  parsed = { value: body.trim() === "" ? undefined : JSON.parse(body) };
                } catch {
                  parsed = { value: undefined };
                }
              }
              return parsed.value;
            },
          });
        };
        incoming.on("end", finish);
        incoming.on("error", (e) => done(new HttpError("network", label, `the response broke off: ${e.message}`)));
        incoming.on("aborted", () => done(new HttpError("network", label, "the response broke off")));
      });
      outgoing.end(req.body);
    });
  }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

function toArray(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

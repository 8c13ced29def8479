/** Small pieces the probes share. */
import { applySession, type Session } from "../auth.ts";
import { HttpError, type HttpResponse } from "../http.ts";
import { toRequest, type FillOptions, type RequestTemplate, type Vars } from "../template.ts";
import type { ProbeContext } from "../types.ts";

/** Sends a template with `vars` filled in, as `session` when given. */
export function sendTemplate(
  ctx: ProbeContext,
  t: RequestTemplate,
  vars: Vars,
  session?: Session,
  opts: FillOptions & { timeoutMs?: number } = {},
): Promise<HttpResponse> {
  // The session's CSRF token is `{csrf}` too, for forms that carry it in a field.
  const all = session?.csrfToken && !("csrf" in vars) ? { ...vars, csrf: session.csrfToken } : vars;
  const req = applySession(session, toRequest(t, all, opts));
  return ctx.http.send(opts.timeoutMs ? { ...req, timeoutMs: opts.timeoutMs } : req);
}

/** Two random factors whose product is not a substring of `avoid`: a marker the payload does not spell out. */
export function product(avoid: string[] = []): { a: number; b: number; value: string } {
  for (;;) {
    const a = 1000 + Math.floor(Math.random() * 8999);
    const b = 1000 + Math.floor(Math.random() * 8999);
    const value = String(a * b);
    if (!avoid.some((s) => s.includes(value))) return { a, b, value };
  }
}

/** How long a request took, in ms; a timeout counts as `Infinity` (it hung at least that long). */
export async function timed(send: () => Promise<HttpResponse>): Promise<{ ms: number; res?: HttpResponse }> {
  try {
    const res = await send();
    return { ms: res.ms, res };
  } catch (e) {
    if (e instanceof HttpError && e.kind === "timeout") return { ms: Infinity };
    throw e;
  }
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export const is2xx = (res: HttpResponse) => res.status >= 200 && res.status <= 299;

/** A time-based check: is `slow` really slower than `base` by most of `delayMs`, and `fast` not? */
export const delayed = (ms: number, baseMs: number, delayMs: number) => ms >= baseMs + delayMs * 0.8;

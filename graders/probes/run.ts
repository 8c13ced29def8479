/** Runs probe uses from exercise.yaml against a loopback service, one after the other, never throwing. */
import { PROBES } from "./index.ts";
import { assertLoopbackUrl, HttpClient, HttpError, NetworkRuleError } from "./http.ts";
import { clip, error, fail, LegitFailure } from "./report.ts";
import { MAX_PROBE_TEXT, ProbeSetupError, type ProbeContext, type ProbeResult, type ProbeStatus } from "./types.ts";

/** `{ probe: "<id>", name?: "<test name>", ...params }`, as in exercise.yaml. */
export type ProbeUse = { probe: string; [key: string]: unknown };

/** Keys of a use that are not the probe's parameters (`advice`: the exercise's own fix text). */
export const COMMON_KEYS = ["probe", "name", "advice"] as const;

export type ProbeMeta = { id: string; title: string; owasp: string; cwe: string };

export type ProbeRun = {
  use: ProbeUse;
  /** null when the id is unknown. */
  probe: ProbeMeta | null;
  result: ProbeResult;
  duration_ms: number;
  /** The service stopped answering during this probe (the probe then stopped itself). */
  stopped?: true;
};

export type RunOptions = {
  /** Time budget of one probe (default 10 s); past it the probe is stopped and reported as `error`. */
  budgetMs?: number;
  /** Timeout of one request (default 5 s). */
  requestTimeoutMs?: number;
  /** Called after each probe (progress output). */
  onResult?: (run: ProbeRun) => void;
};

export type ProbeUseProblem = { index: number; probe: string; field: string; message: string };

/** A use's parameters: everything but `probe`, `name` and `advice`. */
export function paramsOf(use: ProbeUse): Record<string, unknown> {
  return Object.fromEntries(Object.entries(use).filter(([k]) => !(COMMON_KEYS as readonly string[]).includes(k)));
}

/**
 * Checks uses as the exercise loader sees them: known ids and valid parameters. `field` is
 * relative to the use (e.g. "request.path"); the loader prefixes `grader.steps.N.probes.<index>`.
 */
export function validateProbeUses(uses: readonly unknown[]): ProbeUseProblem[] {
  const problems: ProbeUseProblem[] = [];
  uses.forEach((raw, index) => {
    if (!raw || typeof raw !== "object" || Array.isArray(raw) || typeof (raw as ProbeUse).probe !== "string") {
      problems.push({ index, probe: "", field: "probe", message: "each entry needs `probe: <id>`" });
      return;
    }
    const use = raw as ProbeUse;
    const probe = PROBES.get(use.probe);
    if (!probe) {
      problems.push({
        index,
        probe: use.probe,
        field: "probe",
        message: `unknown probe "${use.probe}"; known: ${[...PROBES.keys()].join(", ")}`,
      });
      return;
    }
    if (use.name !== undefined && (typeof use.name !== "string" || use.name.length === 0 || use.name.length > 120)) {
      problems.push({ index, probe: use.probe, field: "name", message: "a test name of 1-120 characters" });
    }
    if (
      use.advice !== undefined &&
      (typeof use.advice !== "string" || use.advice.length === 0 || use.advice.length > 300)
    ) {
      problems.push({
        index,
        probe: use.probe,
        field: "advice",
        message: "advice of 1-300 characters, shown instead of the probe's own when it fails",
      });
    }
    const parsed = probe.params.safeParse(paramsOf(use));
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push({ index, probe: use.probe, field: issue.path.join(".") || "(params)", message: issue.message });
    }
  });
  return problems;
}

const meta = (p: { id: string; title: string; owasp: string; cwe: string }): ProbeMeta => ({
  id: p.id,
  title: p.title,
  owasp: p.owasp,
  cwe: p.cwe,
});

/** Turns whatever a probe threw into a result. */
function fromThrown(e: unknown, http: HttpClient, budgetMs: number): ProbeResult {
  // A precondition the service does not meet (login, the normal request) proves no flaw: the
  // probe could not run. Graders still count it as not passed, so a fix that breaks the
  // feature earns nothing.
  if (e instanceof LegitFailure) return error(e.message, e.evidence);
  if (e instanceof ProbeSetupError || e instanceof NetworkRuleError) return error(e.message);
  if (e instanceof HttpError) {
    if (e.kind === "aborted")
      return error(
        `The probe did not finish within ${budgetMs / 1000} s (the service answered ${http.responses} requests). A service this slow cannot be judged; check it answers promptly.`,
      );
    if (e.kind === "invalid" || e.kind === "limit") return error(`The probe could not build a request: ${e.message}`);
    if (http.responses === 0)
      return error(
        `Could not reach the service at ${http.base.origin}: ${e.request} failed (${e.message}). Is it running and listening there?`,
      );
    return fail(
      `The service stopped answering in the middle of the attack, so the probe stopped: after ${http.responses} answers, ${e.request} got ${e.kind === "timeout" ? "no answer in time" : "no answer"} (${e.message}). One bad request must never crash or hang the whole service: validate input and handle errors per request.`,
    );
  }
  return error(`The probe crashed: ${e instanceof Error ? e.message : String(e)}`);
}

function tidy(r: ProbeResult): ProbeResult {
  const status: ProbeStatus = r.status === "pass" || r.status === "fail" ? r.status : "error";
  const message = clip(String(r.message ?? ""), MAX_PROBE_TEXT) || "(no message)";
  return r.evidence ? { status, message, evidence: clip(String(r.evidence), MAX_PROBE_TEXT) } : { status, message };
}

/** Runs one use. Never throws. */
export async function runProbe(baseUrl: string | URL, use: ProbeUse, opts: RunOptions = {}): Promise<ProbeRun> {
  const started = performance.now();
  const done = (probe: ProbeMeta | null, result: ProbeResult): ProbeRun => ({
    use,
    probe,
    result: tidy(result),
    duration_ms: Math.round(performance.now() - started),
  });
  if (!use || typeof use !== "object" || typeof use.probe !== "string")
    return done(null, error("Each probe use needs `probe: <id>`."));
  const probe = PROBES.get(use.probe);
  if (!probe) return done(null, error(`Unknown probe "${use.probe}"; known: ${[...PROBES.keys()].join(", ")}.`));
  let base: URL;
  try {
    base = assertLoopbackUrl(baseUrl);
  } catch (e) {
    return done(meta(probe), error((e as Error).message));
  }
  const parsed = probe.params.safeParse(paramsOf(use));
  if (!parsed.success) {
    const first = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join(".") || "(params)"}: ${i.message}`)
      .join("; ");
    return done(meta(probe), error(`Bad parameters for probe "${probe.id}": ${first}`));
  }
  const budgetMs = opts.budgetMs ?? 10_000;
  const controller = new AbortController();
  const http = new HttpClient(base, { timeoutMs: opts.requestTimeoutMs ?? 5_000, signal: controller.signal });
  const ctx: ProbeContext = { base, http, signal: controller.signal, deadline: Date.now() + budgetMs };
  let timer: NodeJS.Timeout | undefined;
  const overtime = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(fromThrown(new HttpError("aborted", "", "budget"), http, budgetMs));
    }, budgetMs);
  });
  let result: ProbeResult;
  let stopped = false;
  try {
    result = await Promise.race([
      Promise.resolve()
        .then(() => probe.run(ctx, parsed.data))
        .catch((e: unknown) => {
          stopped = e instanceof HttpError && http.responses > 0 && (e.kind === "timeout" || e.kind === "network");
          return fromThrown(e, http, budgetMs);
        }),
      overtime,
    ]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  const run = done(meta(probe), result);
  return stopped ? { ...run, stopped: true } : run;
}

/** Whether the service answers anything at all within `timeoutMs`. */
async function answers(base: string, timeoutMs: number): Promise<boolean> {
  try {
    await new HttpClient(base, { timeoutMs }).send({ path: "/" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs every use in order against `baseUrl` (which must be loopback: otherwise each use is
 * an `error` and nothing is sent). Never throws.
 */
export async function runProbes(
  baseUrl: string,
  uses: readonly ProbeUse[],
  opts: RunOptions = {},
): Promise<ProbeRun[]> {
  const out: ProbeRun[] = [];
  let down: string | undefined;
  for (const use of uses) {
    const run: ProbeRun = down
      ? {
          use,
          probe: PROBES.has(use.probe) ? meta(PROBES.get(use.probe)!) : null,
          result: error(
            `The service stopped answering during probe "${down}" and still does not answer, so this probe did not run. Restart the service and run it again.`,
          ),
          duration_ms: 0,
        }
      : await runProbe(baseUrl, use, opts);
    if (!down && run.stopped && !(await answers(baseUrl, opts.requestTimeoutMs ?? 2_000))) down = use.probe;
    out.push(run);
    opts.onResult?.(run);
  }
  return out;
}

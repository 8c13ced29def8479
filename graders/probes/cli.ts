/**
 * `backlab probe <url> [--probe id[,id…]] [--param [id:]key=value …] [--cookie c | --bearer t …] [--json] [--list]`:
 * attack your own service on this machine with probes from the library.
 */
import { DEFAULT_PROBES, needsParams, PROBES } from "./index.ts";
import { assertLoopbackUrl, NetworkRuleError } from "./http.ts";
import { runProbes, validateProbeUses, type ProbeRun, type ProbeUse } from "./run.ts";
import { withAdvice } from "./report.ts";
import { paramsHelp, takesAuth, typedValue } from "./cli-schema.ts";
import { toSarif } from "./sarif.ts";
import { discover } from "./auto.ts";

export const PROBE_USAGE = `backlab probe <url> [options]

  Attacks a service running on THIS machine (127.0.0.1, ::1 or localhost only) and says
  what it found. Without --probe it runs the probes that need no parameters:
  ${DEFAULT_PROBES.join(", ")}.

  --probe id[,id…]        probes to run (repeatable); --list shows them with their parameters
  --param [id:]key=value  a parameter for every chosen probe, or only for probe <id>;
                          dotted keys nest (request.path=/search?q={payload}); the value is
                          typed by the probe's schema: text for a text parameter (known=1 is
                          "1"), JSON for numbers, lists and objects (attempts=10, paths=["/"])
  --cookie 'sid=…'        a signed-in session for every probe that signs in, instead of a
                          login (repeat for more users, e.g. two for idor)
  --bearer TOKEN          the same with a bearer token (Authorization: Bearer TOKEN)
  --openapi file|url       discover the targets from an OpenAPI document (a file, or a URL on this
                          machine; "auto" = the service's own /openapi.json): every operation's
                          path, query and body fields, which need a session, which take ids
  --crawl                 discover by a bounded same-origin crawl of links and forms (the
                          default when the service serves no OpenAPI document and --openapi is
                          given as "auto"); signed in too when a login form and --user are found
  --user name:password    an existing account for discovered probes (repeat: two for IDOR)
  --plan                  with --openapi/--crawl: print the planned probe uses (JSON, the
                          exercise.yaml shape) and send no attack
  --budget seconds        time budget per probe (default 10)
  --format text|json|sarif  how to print the results (--json is --format json); each
                          finding carries its OWASP 2025 category, CWE, request and answer
  --list                  list the probes: OWASP category, CWE, each parameter with an example
  --help                  this text, then the same list

  exit status: 0 nothing found and every probe ran, 1 a probe found a flaw, 2 usage error
  or refused URL, 3 nothing found but a probe could not run (unreachable service, a login
  or normal request that did not work: the reason is printed, it is not a finding)
`;

/** Every probe with its parameters, from the probes' own schemas. */
export function probeList(): string {
  const out: string[] = [];
  for (const p of PROBES.values()) {
    out.push(
      `${pad(p.id, 22)}  ${pad(p.owasp, 46)}  ${pad(p.cwe, 9)}  ${needsParams(p) ? "needs --param" : "runs as is"}`,
    );
    out.push(...paramsHelp(p));
  }
  return out.join("\n") + "\n";
}

export type ProbeIo = { out: (s: string) => void; err: (s: string) => void };
const stdio: ProbeIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

class UsageError extends Error {}

function setDotted(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let cur = target;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (next === undefined) cur[k] = {};
    else if (!next || typeof next !== "object" || Array.isArray(next))
      throw new UsageError(`--param ${dotted}: "${k}" is already a value`);
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
}

type Parsed = {
  url: string;
  ids: string[];
  params: Array<{ id?: string; key: string; raw: string }>;
  sessions: Array<{ cookie: string } | { bearer: string }>;
  format: "text" | "json" | "sarif";
  list: boolean;
  help: boolean;
  budgetMs: number;
  openapi?: string;
  crawl: boolean;
  plan: boolean;
  users: Array<{ username: string; password: string }>;
};

function parseArgs(args: string[]): Parsed {
  const out: Parsed = {
    url: "",
    ids: [],
    params: [],
    sessions: [],
    format: "text",
    list: false,
    help: false,
    budgetMs: 10_000,
    crawl: false,
    plan: false,
    users: [],
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--json") out.format = "json";
    else if (a === "--format") {
      const f = value();
      if (f !== "text" && f !== "json" && f !== "sarif") throw new UsageError("--format: text, json or sarif");
      out.format = f;
    } else if (a === "--list") out.list = true;
    else if (a === "--probe")
      out.ids.push(
        ...value()
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      );
    else if (a === "--budget") {
      const s = Number(value());
      if (!(s >= 1 && s <= 120)) throw new UsageError("--budget: seconds between 1 and 120");
      out.budgetMs = s * 1000;
    } else if (a === "--param") {
      const v = value();
      const eq = v.indexOf("=");
      if (eq <= 0) throw new UsageError(`--param ${v}: expected key=value`);
      let key = v.slice(0, eq);
      let id: string | undefined;
      const colon = key.indexOf(":");
      if (colon > 0) {
        id = key.slice(0, colon);
        key = key.slice(colon + 1);
      }
      if (!/^[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*$/i.test(key))
        throw new UsageError(`--param ${v}: "${key}" is not a parameter name`);
      out.params.push({ ...(id ? { id } : {}), key, raw: v.slice(eq + 1) });
    } else if (a === "--cookie") {
      const v = value();
      if (!/^[^=;\s]+=/.test(v)) throw new UsageError(`--cookie ${v}: expected name=value[; name2=value2]`);
      out.sessions.push({ cookie: v });
    } else if (a === "--bearer") {
      out.sessions.push({ bearer: value() });
    } else if (a === "--openapi") out.openapi = value();
    else if (a === "--crawl") out.crawl = true;
    else if (a === "--plan") out.plan = true;
    else if (a === "--user") {
      const v = value();
      const colon = v.indexOf(":");
      if (colon <= 0 || colon === v.length - 1) throw new UsageError(`--user ${v}: expected name:password`);
      out.users.push({ username: v.slice(0, colon), password: v.slice(colon + 1) });
    } else if (a === "-h" || a === "--help") out.help = true;
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else if (!out.url) out.url = a;
    else throw new UsageError(`unexpected argument ${a}`);
  }
  return out;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const indent = (s: string) =>
  s
    .split("\n")
    .map((l) => `        ${l}`)
    .join("\n");

/** A finding, nothing found, or no verdict at all: three words that never look alike. */
const LABEL = { pass: "PASS", fail: "FAIL", error: "COULD NOT RUN" } as const;

function table(runs: ProbeRun[]): string {
  const lines: string[] = [];
  for (const r of runs) {
    const id = r.probe?.id ?? r.use.probe;
    lines.push(
      `${pad(LABEL[r.result.status], 13)}  ${pad(id, 22)}  ${pad(r.probe ? `${r.probe.owasp.slice(0, 8)} ${r.probe.cwe}` : "", 18)}  ${r.duration_ms} ms`,
    );
    lines.push(
      indent(
        r.result.status === "fail"
          ? withAdvice(r.result, r.use.advice)
          : r.result.status === "error"
            ? `could not run: ${r.result.message}`
            : r.result.message,
      ),
    );
    if (r.result.status !== "pass" && r.result.evidence) lines.push(indent(r.result.evidence));
  }
  const count = (s: string) => runs.filter((r) => r.result.status === s).length;
  lines.push("", `${count("pass")} passed, ${count("fail")} failed, ${count("error")} could not run`);
  return lines.join("\n") + "\n";
}

/** The `backlab probe` command; returns the exit status. */
export async function probeCommand(args: string[], io: ProbeIo = stdio): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(args);
  } catch (e) {
    io.err(`backlab probe: ${(e as Error).message}\n\n${PROBE_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.out(`${PROBE_USAGE}\nprobes and their parameters (graders/probes/README.md says more):\n\n${probeList()}`);
    return 0;
  }
  if (parsed.list) {
    io.out(probeList());
    return 0;
  }
  if (!parsed.url) {
    io.err(PROBE_USAGE);
    return 2;
  }
  try {
    assertLoopbackUrl(parsed.url);
  } catch (e) {
    if (e instanceof NetworkRuleError) {
      io.err(`backlab probe: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (parsed.openapi !== undefined || parsed.crawl) return discovered(parsed, io);
  if (parsed.users.length || parsed.plan) {
    io.err("backlab probe: --user and --plan go with --openapi or --crawl\n");
    return 2;
  }
  const ids = parsed.ids.length ? [...new Set(parsed.ids)] : [...DEFAULT_PROBES];
  for (const p of parsed.params) {
    if (p.id && !ids.includes(p.id)) {
      io.err(`backlab probe: --param ${p.id}:${p.key} names a probe that is not being run\n`);
      return 2;
    }
  }
  let uses: ProbeUse[];
  try {
    uses = ids.map((id) => {
      const probe = PROBES.get(id);
      const use: Record<string, unknown> = { probe: id };
      for (const p of parsed.params)
        if (!p.id || p.id === id) setDotted(use, p.key, probe ? typedValue(probe.params, p.key, p.raw) : p.raw);
      if (probe && parsed.sessions.length && takesAuth(probe)) {
        const auth = use.auth && typeof use.auth === "object" ? (use.auth as Record<string, unknown>) : {};
        use.auth = { ...auth, sessions: parsed.sessions };
      }
      return use as ProbeUse;
    });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`backlab probe: ${e.message}\n`);
    return 2;
  }
  const problems = validateProbeUses(uses);
  if (problems.length) {
    for (const p of problems) io.err(`backlab probe: ${p.probe || `#${p.index}`}: ${p.field}: ${p.message}\n`);
    return 2;
  }
  return report(parsed, await runProbes(parsed.url, uses, { budgetMs: parsed.budgetMs }), io);
}

/** Discovery (OpenAPI document or crawl) → planned uses → the same run and report. */
async function discovered(parsed: Parsed, io: ProbeIo): Promise<number> {
  if (parsed.params.length) {
    io.err("backlab probe: --param does not go with discovery; --plan prints the uses to adjust and run from a file\n");
    return 2;
  }
  let found;
  try {
    found = await discover(parsed.url, {
      ...(parsed.openapi ? { openapi: parsed.openapi } : {}),
      crawl: parsed.crawl,
      users: parsed.users,
      sessions: parsed.sessions,
    });
  } catch (e) {
    io.err(`backlab probe: discovery failed: ${(e as Error).message}\n`);
    return 3;
  }
  const uses = parsed.ids.length ? found.uses.filter((u) => parsed.ids.includes(u.probe)) : found.uses;
  if (parsed.plan) {
    io.out(JSON.stringify({ source: found.source, notes: found.notes, uses }, null, 2) + "\n");
    return 0;
  }
  const runs = await runProbes(parsed.url, uses, { budgetMs: parsed.budgetMs });
  const preface = `discovered: ${found.source}; ${uses.length} probe uses\n${found.notes.map((n) => `note: ${n}\n`).join("")}\n`;
  return report(parsed, runs, io, preface);
}

function report(parsed: Parsed, runs: ProbeRun[], io: ProbeIo, preface = ""): number {
  io.out(
    parsed.format === "json"
      ? JSON.stringify(runs, null, 2) + "\n"
      : parsed.format === "sarif"
        ? JSON.stringify(toSarif(runs, parsed.url), null, 2) + "\n"
        : preface + table(runs),
  );
  if (runs.some((r) => r.result.status === "fail")) return 1;
  return runs.some((r) => r.result.status === "error") ? 3 : 0;
}

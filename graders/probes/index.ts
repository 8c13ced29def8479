/** The probe library: id → probe. Add a probe: a file in library/, then a line here. */
import { corsAnyOrigin } from "./library/cors-any-origin.ts";
import { csrf } from "./library/csrf.ts";
import { directoryListing } from "./library/directory-listing.ts";
import { errorLeak } from "./library/error-leak.ts";
import { idor } from "./library/idor.ts";
import { idorExisting } from "./library/idor-existing.ts";
import { jwtAlgNone } from "./library/jwt-alg-none.ts";
import { jwtExpired } from "./library/jwt-expired.ts";
import { jwtKeyConfusion } from "./library/jwt-key-confusion.ts";
import { jwtTampered } from "./library/jwt-tampered.ts";
import { jwtWeakSecret } from "./library/jwt-weak-secret.ts";
import { loginRateLimit } from "./library/login-rate-limit.ts";
import { massAssignment } from "./library/mass-assignment.ts";
import { openRedirect } from "./library/open-redirect.ts";
import { osCommandInjection } from "./library/os-command-injection.ts";
import { pathTraversal } from "./library/path-traversal.ts";
import { refreshTokenReuse } from "./library/refresh-token-reuse.ts";
import { securityHeaders } from "./library/security-headers.ts";
import { sqli } from "./library/sqli.ts";
import { ssrfLoopback } from "./library/ssrf-loopback.ts";
import { ssti } from "./library/ssti.ts";
import { userEnumeration } from "./library/user-enumeration.ts";
import { xssReflected, xssStored } from "./library/xss.ts";
import type { Probe } from "./types.ts";

const ALL = [
  sqli,
  osCommandInjection,
  ssti,
  xssReflected,
  xssStored,
  idor,
  idorExisting,
  massAssignment,
  csrf,
  pathTraversal,
  ssrfLoopback,
  openRedirect,
  jwtAlgNone,
  jwtExpired,
  jwtTampered,
  jwtWeakSecret,
  jwtKeyConfusion,
  refreshTokenReuse,
  loginRateLimit,
  userEnumeration,
  corsAnyOrigin,
  securityHeaders,
  errorLeak,
  directoryListing,
] as unknown as Probe[];

export const PROBES: ReadonlyMap<string, Probe> = (() => {
  const m = new Map<string, Probe>();
  for (const p of ALL) {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(p.id)) throw new Error(`probe id "${p.id}" is not kebab-case`);
    if (m.has(p.id)) throw new Error(`duplicate probe id "${p.id}"`);
    m.set(p.id, p);
  }
  return m;
})();

/** The probe with this id; throws, naming the known ids, when there is none. */
export function probeFor(id: string): Probe {
  const p = PROBES.get(id);
  if (!p) throw new Error(`unknown probe "${id}"; known: ${[...PROBES.keys()].join(", ")}`);
  return p;
}

/** Whether a probe needs parameters (it cannot run with none). */
export const needsParams = (p: Probe) => !p.params.safeParse({}).success;

/** The probes `backlab probe <url>` runs when none are named: those that need no parameters. */
export const DEFAULT_PROBES: readonly string[] = [...PROBES.values()].filter((p) => !needsParams(p)).map((p) => p.id);

import type { z } from "zod";
import type { HttpClient } from "./http.ts";

/** The OWASP Top 10 (2025) categories a probe can belong to. */
export const OWASP_2025 = {
  A01: "A01:2025 Broken Access Control",
  A02: "A02:2025 Security Misconfiguration",
  A03: "A03:2025 Software Supply Chain Failures",
  A04: "A04:2025 Cryptographic Failures",
  A05: "A05:2025 Injection",
  A06: "A06:2025 Insecure Design",
  A07: "A07:2025 Authentication Failures",
  A08: "A08:2025 Software or Data Integrity Failures",
  A09: "A09:2025 Security Logging and Alerting Failures",
  A10: "A10:2025 Mishandling of Exceptional Conditions",
} as const;
export type Owasp = (typeof OWASP_2025)[keyof typeof OWASP_2025];

/**
 * `pass`: the attack failed AND the legitimate request still works.
 * `fail`: the attack worked, or the legitimate request no longer works (a fix must keep the feature).
 * `error`: the probe itself could not run (service unreachable, bad parameters); never the learner's flaw.
 */
export type ProbeStatus = "pass" | "fail" | "error";

export type ProbeResult = {
  status: ProbeStatus;
  /** What was sent, what came back, what to fix. At most MAX_PROBE_TEXT characters. */
  message: string;
  /** The request/response that shows it. At most MAX_PROBE_TEXT characters. */
  evidence?: string;
  /**
   * How to fix it in general (e.g. "In Express, app.use(helmet())"), kept apart from `message`
   * so an exercise can put its own in its place (`advice:` on the use in exercise.yaml).
   */
  advice?: string;
};

export const MAX_PROBE_TEXT = 500;

export type ProbeContext = {
  /** The service's base URL, already checked to be loopback. */
  base: URL;
  /** A client bound to `base`: it can reach nothing else. */
  http: HttpClient;
  /** Aborted when the probe's time budget is spent. */
  signal: AbortSignal;
  /** Epoch ms by which the probe must be done. */
  deadline: number;
};

export interface Probe<S extends z.ZodType = z.ZodType> {
  /** kebab-case; what exercise.yaml names in `probes: [{ probe: <id> }]`. */
  readonly id: string;
  readonly title: string;
  readonly owasp: Owasp;
  /** "CWE-89" */
  readonly cwe: string;
  /** The probe's parameters in exercise.yaml (everything of the use except `probe` and `name`). */
  readonly params: S;
  run(ctx: ProbeContext, params: z.output<S>): Promise<ProbeResult>;
}

/** Thrown by a probe that cannot run (inapplicable parameters, a missing precondition): becomes `error`. */
export class ProbeSetupError extends Error {
  override name = "ProbeSetupError";
}

/** Identity, with the parameter types inferred from the schema. */
export function defineProbe<S extends z.ZodType>(p: Probe<S>): Probe<S> {
  return p;
}

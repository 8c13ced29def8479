/**
 * A resilient HTTP client for a flaky dependency.
 *
 * This first draft retries, but naively: read README.md, most requirements
 * are not met yet (no timeout, no jitter, no circuit breaker, and it retries
 * errors that will never go away). Keep the exported names and signatures.
 */

/** Current time in milliseconds (monotonic). Used only by the circuit breaker. */
export type Clock = () => number;
/** Waits `ms` milliseconds. Used only for the delay between attempts. */
export type Sleep = (ms: number) => Promise<void>;
/** A number in [0, 1), like Math.random. */
export type Random = () => number;

export type BreakerState = "closed" | "open" | "half-open";

export interface ResilientClientOptions {
  /** Prefix of every request URL, e.g. "http://127.0.0.1:8080". */
  baseUrl: string;
  /** Each attempt is aborted after this many ms (real time). */
  timeoutMs: number;
  /** Extra attempts after the first one (0 = no retries). */
  retries: number;
  backoff: { baseMs: number; maxMs: number };
  breaker: { failureThreshold: number; openMs: number; halfOpenMaxCalls: number };
  clock?: Clock;
  sleep?: Sleep;
  random?: Random;
}

export interface ResilientResponse {
  status: number;
  headers: Headers;
  body: string;
}

export interface ResilientClient {
  get(path: string): Promise<ResilientResponse>;
  state(): BreakerState;
}

/** Thrown when the breaker refuses an attempt: no request was sent. */
export class CircuitOpenError extends Error {
  constructor(message = "circuit breaker is open") {
    super(message);
    this.name = "CircuitOpenError";
  }
}

export function createResilientClient(options: ResilientClientOptions): ResilientClient {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function get(path: string): Promise<ResilientResponse> {
    let lastError: unknown;
    let lastResponse: ResilientResponse | undefined;
    for (let i = 0; i <= options.retries; i++) {
      if (i > 0) await sleep(options.backoff.baseMs);
      try {
        const res = await fetch(options.baseUrl + path);
        const body = await res.text();
        lastResponse = { status: res.status, headers: res.headers, body };
        lastError = undefined;
        if (res.ok) return lastResponse;
      } catch (error) {
        lastError = error;
      }
    }
    if (lastError !== undefined) throw lastError;
    return lastResponse!;
  }

  return { get, state: () => "closed" };
}

/**
 * A resilient HTTP client for a flaky dependency: a per-attempt timeout,
 * retries with exponential backoff and full jitter on retryable failures only,
 * and a circuit breaker that every attempt passes through.
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

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** Whether a response counts as a failure for the breaker. */
function isFailureStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Retry-After in delta-seconds form, as ms; undefined when absent or not a non-negative integer. */
function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get("retry-after")?.trim();
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value) * 1000;
}

class CircuitBreaker {
  private current: BreakerState = "closed";
  private failures = 0;
  private openedAt = 0;
  private probes = 0;

  constructor(
    private readonly options: ResilientClientOptions["breaker"],
    private readonly clock: Clock,
  ) {}

  state(): BreakerState {
    if (this.current === "open" && this.clock() - this.openedAt >= this.options.openMs) {
      this.current = "half-open";
      this.probes = 0;
    }
    return this.current;
  }

  /** Asks to start an attempt; throws CircuitOpenError if refused. Returns whether it is a probe. */
  acquire(): boolean {
    const state = this.state();
    if (state === "closed") return false;
    if (state === "half-open" && this.probes < this.options.halfOpenMaxCalls) {
      this.probes++;
      return true;
    }
    throw new CircuitOpenError();
  }

  onSuccess(probe: boolean): void {
    if (probe) this.probes--;
    if (this.current === "open") return; // a stale attempt from before the breaker opened
    this.current = "closed";
    this.failures = 0;
  }

  onFailure(probe: boolean): void {
    if (probe) this.probes--;
    if (this.current === "half-open") {
      this.trip();
      return;
    }
    if (this.current === "closed" && ++this.failures >= this.options.failureThreshold) this.trip();
  }

  private trip(): void {
    this.current = "open";
    this.openedAt = this.clock();
    this.failures = 0;
    this.probes = 0;
  }
}

type Outcome = { kind: "response"; response: ResilientResponse } | { kind: "error"; error: unknown };

export function createResilientClient(options: ResilientClientOptions): ResilientClient {
  const clock = options.clock ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const breaker = new CircuitBreaker(options.breaker, clock);

  async function attempt(url: string): Promise<Outcome> {
    try {
      // The signal covers the whole attempt, body included.
      const res = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs) });
      const body = await res.text();
      return { kind: "response", response: { status: res.status, headers: res.headers, body } };
    } catch (error) {
      return { kind: "error", error };
    }
  }

  function backoffMs(retry: number): number {
    return random() * Math.min(options.backoff.maxMs, options.backoff.baseMs * 2 ** retry);
  }

  async function get(path: string): Promise<ResilientResponse> {
    const url = `${options.baseUrl}/${path}`;
    for (let i = 0; ; i++) {
      const probe = breaker.acquire();
      const outcome = await attempt(url);

      const failed = outcome.kind === "error" || isFailureStatus(outcome.response.status);
      if (failed) breaker.onFailure(probe);
      else breaker.onSuccess(probe);

      const retryable = outcome.kind === "error" || RETRYABLE_STATUS.has(outcome.response.status);
      if (!retryable || i >= options.retries) {
        if (outcome.kind === "error") throw outcome.error;
        return outcome.response;
      }
      // Don't wait for nothing: the next attempt would be refused.
      if (breaker.state() === "open") throw new CircuitOpenError();

      const hinted = outcome.kind === "response" && outcome.response.status === 429 ? retryAfterMs(outcome.response.headers) : undefined;
      await sleep(hinted ?? backoffMs(i));
    }
  }

  return { get, state: () => breaker.state() };
}

import crypto from "node:crypto";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { Webhook } from "standardwebhooks";
import type { Database } from "../db/database.ts";
import { badRequest, notFound } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { EgressPolicy } from "./egress.ts";
import { audienceOf, forInstructor } from "./audience.ts";
import { deliveryView, retryAfter, type DeliveryRow, type DeliveryView } from "./views.ts";

export type { DeliveryView } from "./views.ts";
export { INSTRUCTOR_EVENTS } from "./audience.ts";

/**
 * Webhooks: Standard Webhooks 1.0 deliveries from a durable outbox. `enqueue()` writes one
 * delivery row per subscribed endpoint inside the caller's transaction (the event and its
 * deliveries commit together); a dispatcher sends due rows, retries with backoff and jitter,
 * honours Retry-After, disables an endpoint that answers 410 and never follows redirects.
 */

export const EVENT_TYPES = [
  "submission.graded",
  "cohort.member.joined",
  "cohort.help.requested",
  "assessment.invite.started",
  "assessment.completed",
  "webhook.test",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/**
 * How a feature reports an event: `Webhooks.enqueue`, called inside the transaction that makes
 * the change, so the event is stored exactly when the change is (the outbox).
 */
export type Notify = (type: EventType, data: Record<string, unknown>) => void;

/** Standard Webhooks asks payloads to stay small; ours carry ids and figures, never files. */
export const MAX_PAYLOAD_BYTES = 20 * 1024;
/** Seconds before each retry after a failed attempt (Standard Webhooks' suggested schedule). */
export const DEFAULT_RETRY_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 36000];
const ROTATION_GRACE_MS = 24 * 3600_000;
const CONCURRENCY = 4;
const POLL_MS = 1000;

export type EndpointView = {
  id: number;
  url: string;
  description: string;
  events: EventType[];
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  /** Deliveries waiting to be sent (pending or being sent). */
  pending: number;
  /** An instructor's endpoint: it hears only of the cohorts they run. Null: an admin's, every event. */
  scopedTo: { id: number; email: string } | null;
};

type EndpointRow = {
  id: number;
  url: string;
  description: string;
  events: string;
  secret: string;
  previous_secret: string | null;
  previous_until: string | null;
  enabled: number;
  disabled_reason: string | null;
  created_at: string;
  scoped_to: number | null;
};

type Outcome = { status?: number; retryAfterMs?: number; error?: string };

export type WebhookOptions = { egress: EgressPolicy; timeoutMs?: number; retrySeconds?: number[] };

const newSecret = () => "whsec_" + crypto.randomBytes(24).toString("base64");
const iso = (ms: number) => new Date(ms).toISOString();

export class Webhooks {
  private running = 0;
  private stopped = true;
  private wakeup: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private inFlight = new Set<Promise<void>>();
  private readonly timeoutMs: number;
  private readonly retrySeconds: number[];

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly opts: WebhookOptions,
  ) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.retrySeconds = opts.retrySeconds ?? DEFAULT_RETRY_SECONDS;
  }

  // ── endpoints ──────────────────────────────────────────────────────────────

  async create(p: {
    url: string;
    events: EventType[];
    description?: string;
    createdBy: number;
    /** An instructor's endpoint: only events of the cohorts this user runs, of INSTRUCTOR_EVENTS. */
    scopedTo?: number;
  }): Promise<{ endpoint: EndpointView; secret: string }> {
    if (p.scopedTo !== undefined) forInstructor(p.events);
    await this.checkUrl(p.url);
    const secret = newSecret();
    const id = Number(
      this.db.run(
        "INSERT INTO webhook_endpoints (url, description, events, secret, created_by, created_at, scoped_to) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
          p.url,
          p.description ?? "",
          JSON.stringify([...new Set(p.events)]),
          secret,
          p.createdBy,
          iso(Date.now()),
          p.scopedTo ?? null,
        ],
      ).lastInsertRowid,
    );
    return { endpoint: this.get(id), secret };
  }

  /** Every endpoint, or (`scopedTo`) an instructor's own. */
  list(scopedTo?: number): EndpointView[] {
    const rows =
      scopedTo === undefined
        ? this.db.all<EndpointRow>("SELECT * FROM webhook_endpoints ORDER BY id")
        : this.db.all<EndpointRow>("SELECT * FROM webhook_endpoints WHERE scoped_to = ? ORDER BY id", [scopedTo]);
    return rows.map((r) => this.view(r));
  }

  /** Who owns an endpoint for the `owner` rule: its instructor, nobody (an admin's: []), or undefined. */
  ownerOf(id: number): number[] | undefined {
    const r = this.db.get<{ scoped_to: number | null }>("SELECT scoped_to FROM webhook_endpoints WHERE id = ?", [id]);
    return r && (r.scoped_to === null ? [] : [r.scoped_to]);
  }

  /** The owner of a delivery's endpoint (as `ownerOf`). */
  deliveryOwnerOf(deliveryId: number): number[] | undefined {
    const r = this.db.get<{ endpoint_id: number }>("SELECT endpoint_id FROM webhook_deliveries WHERE id = ?", [
      deliveryId,
    ]);
    return r && this.ownerOf(r.endpoint_id);
  }

  get(id: number): EndpointView {
    return this.view(this.row(id));
  }

  async update(
    id: number,
    change: { url?: string; events?: EventType[]; description?: string; enabled?: boolean },
  ): Promise<EndpointView> {
    if (this.row(id).scoped_to !== null && change.events) forInstructor(change.events);
    if (change.url !== undefined) await this.checkUrl(change.url);
    this.db.transaction(() => {
      if (change.url !== undefined) this.db.run("UPDATE webhook_endpoints SET url = ? WHERE id = ?", [change.url, id]);
      if (change.events)
        this.db.run("UPDATE webhook_endpoints SET events = ? WHERE id = ?", [
          JSON.stringify([...new Set(change.events)]),
          id,
        ]);
      if (change.description !== undefined)
        this.db.run("UPDATE webhook_endpoints SET description = ? WHERE id = ?", [change.description, id]);
      if (change.enabled !== undefined)
        this.db.run("UPDATE webhook_endpoints SET enabled = ?, disabled_reason = NULL WHERE id = ?", [
          change.enabled ? 1 : 0,
          id,
        ]);
    });
    return this.get(id);
  }

  remove(id: number): void {
    if (this.db.run("DELETE FROM webhook_endpoints WHERE id = ?", [id]).changes === 0)
      throw notFound("The webhook endpoint");
  }

  /** A new secret; the old one keeps signing (a second signature) for a day, so receivers can switch. */
  rotate(id: number): string {
    const row = this.row(id);
    const secret = newSecret();
    this.db.run("UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_until = ? WHERE id = ?", [
      secret,
      row.secret,
      iso(Date.now() + ROTATION_GRACE_MS),
      id,
    ]);
    return secret;
  }

  deliveries(endpointId: number, limit = 50): DeliveryView[] {
    this.row(endpointId);
    return this.db
      .all<DeliveryRow>("SELECT * FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY id DESC LIMIT ?", [
        endpointId,
        limit,
      ])
      .map(deliveryView);
  }

  /** Sends a delivery again now, with the same webhook-id (a receiver that stored it can tell). */
  resend(deliveryId: number): DeliveryView {
    const d = this.db.get<DeliveryRow>("SELECT * FROM webhook_deliveries WHERE id = ?", [deliveryId]);
    if (!d) throw notFound("The delivery");
    if (d.status === "pending" || d.status === "sending") return deliveryView(d);
    this.db.run("UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ? WHERE id = ?", [
      iso(Date.now()),
      deliveryId,
    ]);
    this.wake();
    return deliveryView(this.db.get<DeliveryRow>("SELECT * FROM webhook_deliveries WHERE id = ?", [deliveryId])!);
  }

  // ── the outbox ─────────────────────────────────────────────────────────────

  /**
   * Records the event for every enabled endpoint that wants it. Call it inside the transaction
   * that makes the change it reports; it only writes rows, the dispatcher sends them.
   */
  enqueue(type: EventType, data: Record<string, unknown>, only?: number): number {
    const payload = JSON.stringify({ type, timestamp: iso(Date.now()), data });
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES)
      throw new Error(`webhook payload for ${type} exceeds ${MAX_PAYLOAD_BYTES} bytes`);
    type Target = { id: number; scoped_to: number | null };
    let endpoints =
      only !== undefined
        ? this.db.all<Target>("SELECT id, scoped_to FROM webhook_endpoints WHERE enabled = 1 AND id = ?", [only])
        : this.db.all<Target>(
            "SELECT id, scoped_to FROM webhook_endpoints WHERE enabled = 1 AND EXISTS (SELECT 1 FROM json_each(events) WHERE value = ?)",
            [type],
          );
    // An instructor's endpoint hears only of the cohorts its instructor runs.
    if (only === undefined && endpoints.some((e) => e.scoped_to !== null)) {
      const audience = audienceOf(this.db, type, data);
      endpoints = endpoints.filter((e) => e.scoped_to === null || audience.has(e.scoped_to));
    }
    const now = iso(Date.now());
    for (const e of endpoints) {
      this.db.run(
        "INSERT INTO webhook_deliveries (endpoint_id, msg_id, event_type, payload, status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
        [e.id, "msg_" + crypto.randomUUID().replace(/-/g, ""), type, payload, now, now],
      );
    }
    if (endpoints.length) queueMicrotask(() => this.wake());
    return endpoints.length;
  }

  // ── the dispatcher ─────────────────────────────────────────────────────────

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    // A delivery that was being sent when the lab died is sent again (same webhook-id).
    this.db.run("UPDATE webhook_deliveries SET status = 'pending' WHERE status = 'sending'");
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
    await Promise.all([...this.inFlight]);
  }

  private wake(): void {
    const w = this.wakeup;
    this.wakeup = undefined;
    w?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      while (this.running < CONCURRENCY && !this.stopped) {
        const d = this.claim();
        if (!d) break;
        this.running++;
        const p = this.attempt(d)
          .catch((err: unknown) => this.log.error({ err, delivery: d.id }, "webhook delivery failed unexpectedly"))
          .finally(() => {
            this.running--;
            this.inFlight.delete(p);
            this.wake();
          });
        this.inFlight.add(p);
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          if (this.wakeup === fire) this.wakeup = undefined;
          resolve();
        }, POLL_MS);
        timer.unref();
        const fire = () => {
          clearTimeout(timer);
          resolve();
        };
        this.wakeup = fire;
      });
    }
  }

  private claim(): DeliveryRow | undefined {
    return this.db.get<DeliveryRow>(
      "UPDATE webhook_deliveries SET status = 'sending' WHERE id = (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1) RETURNING *",
      [iso(Date.now())],
    );
  }

  private async attempt(d: DeliveryRow): Promise<void> {
    const ep = this.db.get<EndpointRow>("SELECT * FROM webhook_endpoints WHERE id = ?", [d.endpoint_id]);
    if (!ep) return;
    if (!ep.enabled) {
      this.db.run(
        "UPDATE webhook_deliveries SET status = 'failed', last_error = 'the endpoint is disabled' WHERE id = ?",
        [d.id],
      );
      return;
    }
    const outcome = await this.send(d, ep);
    const now = Date.now();
    const attempts = d.attempts + 1;
    const ok = outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;
    const error = ok ? null : (outcome.error ?? `the receiver answered ${outcome.status}`);
    this.db.transaction(() => {
      if (ok) {
        this.db.run(
          "UPDATE webhook_deliveries SET status = 'delivered', attempts = ?, last_attempt_at = ?, last_status = ?, last_error = NULL, delivered_at = ? WHERE id = ?",
          [attempts, iso(now), outcome.status, iso(now), d.id],
        );
        return;
      }
      if (outcome.status === 410) {
        // 410 Gone: the receiver says this endpoint no longer exists; stop sending to it.
        this.db.run("UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ? WHERE id = ?", [
          `the receiver answered 410 Gone at ${iso(now)}`,
          ep.id,
        ]);
        this.db.run(
          "UPDATE webhook_deliveries SET status = 'failed', attempts = ?, last_attempt_at = ?, last_status = 410, last_error = ? WHERE id = ?",
          [attempts, iso(now), error, d.id],
        );
        return;
      }
      const delayS = this.retrySeconds[attempts - 1];
      if (delayS === undefined) {
        this.db.run(
          "UPDATE webhook_deliveries SET status = 'failed', attempts = ?, last_attempt_at = ?, last_status = ?, last_error = ? WHERE id = ?",
          [attempts, iso(now), outcome.status ?? null, error, d.id],
        );
        return;
      }
      // ±20 % jitter so receivers coming back from an outage are not hit by every retry at once.
      const backoff = delayS * 1000 * (0.8 + Math.random() * 0.4);
      const wait = Math.min(Math.max(backoff, outcome.retryAfterMs ?? 0), 24 * 3600_000);
      this.db.run(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = ?, next_attempt_at = ?, last_attempt_at = ?, last_status = ?, last_error = ? WHERE id = ?",
        [attempts, iso(now + wait), iso(now), outcome.status ?? null, error, d.id],
      );
    });
    this.log.info(
      { delivery: d.id, endpoint: ep.id, type: d.event_type, status: outcome.status, error, attempts },
      ok ? "webhook delivered" : "webhook not delivered",
    );
  }

  private send(d: DeliveryRow, ep: EndpointRow): Promise<Outcome> {
    const url = new URL(ep.url);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    // An IP literal never goes through `lookup`, so it is checked here.
    const refused = net.isIP(host) ? this.opts.egress.refuses(host) : null;
    if (refused) return Promise.resolve({ error: `refused: ${refused}` });
    const at = new Date();
    const signatures = [new Webhook(ep.secret).sign(d.msg_id, at, d.payload)];
    if (ep.previous_secret && ep.previous_until && Date.parse(ep.previous_until) > at.getTime())
      signatures.push(new Webhook(ep.previous_secret).sign(d.msg_id, at, d.payload));
    const headers = {
      "content-type": "application/json",
      "user-agent": "Backlab-Webhooks/1",
      "webhook-id": d.msg_id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": signatures.join(" "),
    };
    return new Promise<Outcome>((resolve) => {
      const req = (url.protocol === "https:" ? https : http).request(url, {
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(d.payload) },
        lookup: this.opts.egress.lookup(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      req.on("response", (res) => {
        // Redirects are not followed: a 3xx is a failed attempt like any other non-2xx.
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode, retryAfterMs: retryAfter(res.headers["retry-after"]) }));
        res.on("error", () => resolve({ status: res.statusCode }));
      });
      req.on("error", (err: Error & { code?: string }) =>
        resolve({
          error:
            err.name === "AbortError" || err.name === "TimeoutError"
              ? `no answer within ${this.timeoutMs / 1000} s`
              : err.message,
        }),
      );
      req.end(d.payload);
    });
  }

  // ── helpers ────────────────────────────────────────────────────────────────

  private async checkUrl(url: string): Promise<void> {
    const why = await this.opts.egress.checkUrl(url);
    if (why) throw badRequest(`The webhook URL is refused: ${why}.`);
  }

  private row(id: number): EndpointRow {
    const r = this.db.get<EndpointRow>("SELECT * FROM webhook_endpoints WHERE id = ?", [id]);
    if (!r) throw notFound("The webhook endpoint");
    return r;
  }

  private emailOf = (id: number) =>
    this.db.get<{ email: string }>("SELECT email FROM users WHERE id = ?", [id])?.email ?? "";

  private view(r: EndpointRow): EndpointView {
    const pending = this.db.get<{ n: number }>(
      "SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? AND status IN ('pending', 'sending')",
      [r.id],
    )!.n;
    return {
      id: r.id,
      url: r.url,
      description: r.description,
      events: JSON.parse(r.events) as EventType[],
      enabled: r.enabled === 1,
      disabledReason: r.disabled_reason,
      createdAt: r.created_at,
      pending,
      scopedTo: r.scoped_to === null ? null : { id: r.scoped_to, email: this.emailOf(r.scoped_to) },
    };
  }
}

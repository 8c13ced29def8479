/** How webhook deliveries are stored and shown (server/webhooks/service.ts writes them). */

export type DeliveryView = {
  id: number;
  msgId: string;
  eventType: string;
  status: "pending" | "sending" | "delivered" | "failed";
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
};

export type DeliveryRow = {
  id: number;
  endpoint_id: number;
  msg_id: string;
  event_type: string;
  payload: string;
  status: DeliveryView["status"];
  attempts: number;
  next_attempt_at: string;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
};

export function deliveryView(r: DeliveryRow): DeliveryView {
  return {
    id: r.id,
    msgId: r.msg_id,
    eventType: r.event_type,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === "pending" ? r.next_attempt_at : null,
    lastAttemptAt: r.last_attempt_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
    createdAt: r.created_at,
  };
}

/** Retry-After in seconds or as an HTTP date, in ms from now. */
export function retryAfter(v: string | undefined): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

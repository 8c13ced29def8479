import type { WebhookDelivery, WebhookEndpoint, WebhookEventType } from "../../../server/contract/webhooks.ts";
import { request } from "../api.ts";

export type { WebhookDelivery, WebhookEndpoint, WebhookEventType };

const id = (n: number) => encodeURIComponent(String(n));

export const webhooksApi = {
  list: () => request<{ endpoints: WebhookEndpoint[]; eventTypes: WebhookEventType[] }>("GET", "/api/webhooks"),
  create: (body: { url: string; events: WebhookEventType[]; description?: string }) =>
    request<{ endpoint: WebhookEndpoint; secret: string }>("POST", "/api/webhooks", body),
  update: (n: number, change: { enabled?: boolean; events?: WebhookEventType[] }) =>
    request<{ endpoint: WebhookEndpoint }>("PATCH", `/api/webhooks/${id(n)}`, change),
  remove: (n: number) => request<void>("DELETE", `/api/webhooks/${id(n)}`),
  rotate: (n: number) => request<{ secret: string }>("POST", `/api/webhooks/${id(n)}/rotate`, {}),
  test: (n: number) => request<{ queued: number }>("POST", `/api/webhooks/${id(n)}/test`, {}),
  deliveries: (n: number) => request<{ deliveries: WebhookDelivery[] }>("GET", `/api/webhooks/${id(n)}/deliveries`),
  resend: (delivery: number) =>
    request<{ delivery: WebhookDelivery }>("POST", `/api/webhooks/deliveries/${id(delivery)}/resend`, {}),
};

import { z } from "zod";
import type { AuditLog } from "../audit/service.ts";
import { rateLimit } from "../http/guards.ts";
import { owner, roles, route, type Route } from "../http/routes.ts";
import { EVENT_TYPES, INSTRUCTOR_EVENTS, type Webhooks } from "./service.ts";

const Id = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 31);
const ById = { params: z.strictObject({ id: Id }) };
const EventType = z.enum(EVENT_TYPES);
const Url = z.url({ protocol: /^https?$/, error: "an http:// or https:// URL" }).max(2000);

const EndpointOut = z.object({
  id: z.number().int(),
  url: z.string(),
  description: z.string(),
  events: z.array(EventType),
  enabled: z.boolean(),
  disabledReason: z.string().nullable(),
  createdAt: z.string(),
  pending: z.number().int(),
  scopedTo: z.object({ id: z.number().int(), email: z.string() }).nullable(),
});
const DeliveryOut = z.object({
  id: z.number().int(),
  msgId: z.string(),
  eventType: z.string(),
  status: z.enum(["pending", "sending", "delivered", "failed"]),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
});

const EndpointIn = z.strictObject({
  url: Url,
  events: z.array(EventType).min(1).max(EVENT_TYPES.length),
  description: z.string().max(200).optional(),
});
const EndpointChange = z
  .strictObject({
    url: Url.optional(),
    events: z.array(EventType).min(1).max(EVENT_TYPES.length).optional(),
    description: z.string().max(200).optional(),
    enabled: z.boolean().optional(),
  })
  .refine((c) => Object.keys(c).length > 0, "give url, events, description or enabled");

/**
 * Webhook endpoints: admins register receivers (an ATS, an LMS) for the lab's events; an
 * instructor registers their own, which hear only of the cohorts they run. An instructor sees
 * and changes only their own endpoints (another's answers 404); admins see and change all.
 */
export function webhookRoutes(webhooks: Webhooks, audit: AuditLog): Route[] {
  const staff = roles("admin", "instructor");
  const endpoint = owner("webhook", { staff: ["admin"], roles: ["admin", "instructor"] });
  const ofEndpoint = (i: { params: { id: number } }) => webhooks.ownerOf(i.params.id);
  const perUser = rateLimit({ windowMs: 60_000, max: 60, key: (_req, res) => `webhooks:${res.locals.user?.id}` });
  return [
    route({
      method: "get",
      path: "/webhooks",
      summary:
        "Webhook endpoints with their event types and pending deliveries: all of them (admin), or your own (instructor)",
      tag: "webhooks",
      auth: staff,
      response: z.object({ endpoints: z.array(EndpointOut), eventTypes: z.array(EventType) }),
      handler: ({ me }) =>
        me.role === "admin"
          ? { endpoints: webhooks.list(), eventTypes: [...EVENT_TYPES] }
          : { endpoints: webhooks.list(me.id), eventTypes: [...INSTRUCTOR_EVENTS] },
    }),
    route({
      method: "post",
      path: "/webhooks",
      summary:
        "Register a receiver; the signing secret (whsec_…) is shown once. An instructor's hears only of the cohorts they run",
      tag: "webhooks",
      auth: staff,
      before: [perUser],
      input: { body: EndpointIn },
      status: 201,
      response: z.object({ endpoint: EndpointOut, secret: z.string() }),
      handler: async ({ input, me, req }) => {
        const scopedTo = me.role === "admin" ? undefined : me.id;
        const made = await webhooks.create({ ...input.body, createdBy: me.id, scopedTo });
        audit.record({
          actorId: me.id,
          action: "webhook.create",
          target: { kind: "webhook", id: made.endpoint.id },
          details: { url: made.endpoint.url, events: made.endpoint.events, scopedTo: scopedTo ?? null },
          ip: req.ip,
        });
        return made;
      },
    }),
    route({
      method: "patch",
      path: "/webhooks/:id",
      summary: "Change a receiver's URL, events or description, or enable/disable it",
      tag: "webhooks",
      auth: endpoint,
      ownerOf: ofEndpoint,
      before: [perUser],
      input: { ...ById, body: EndpointChange },
      response: z.object({ endpoint: EndpointOut }),
      handler: async ({ input, me, req }) => {
        const endpoint = await webhooks.update(input.params.id, input.body);
        audit.record({
          actorId: me.id,
          action: "webhook.update",
          target: { kind: "webhook", id: endpoint.id },
          details: { change: input.body },
          ip: req.ip,
        });
        return { endpoint };
      },
    }),
    route({
      method: "delete",
      path: "/webhooks/:id",
      summary: "Remove a receiver and its delivery log",
      tag: "webhooks",
      auth: endpoint,
      ownerOf: ofEndpoint,
      before: [perUser],
      input: ById,
      handler: ({ input, me, req }) => {
        webhooks.remove(input.params.id);
        audit.record({
          actorId: me.id,
          action: "webhook.delete",
          target: { kind: "webhook", id: input.params.id },
          ip: req.ip,
        });
      },
    }),
    route({
      method: "post",
      path: "/webhooks/:id/rotate",
      summary: "A new signing secret (shown once); the old one also signs for 24 h",
      tag: "webhooks",
      auth: endpoint,
      ownerOf: ofEndpoint,
      before: [perUser],
      input: ById,
      response: z.object({ secret: z.string() }),
      handler: ({ input, me, req }) => {
        const secret = webhooks.rotate(input.params.id);
        audit.record({
          actorId: me.id,
          action: "webhook.rotate",
          target: { kind: "webhook", id: input.params.id },
          ip: req.ip,
        });
        return { secret };
      },
    }),
    route({
      method: "post",
      path: "/webhooks/:id/test",
      summary: "Send a webhook.test event to this receiver now (whatever it subscribes to)",
      tag: "webhooks",
      auth: endpoint,
      ownerOf: ofEndpoint,
      before: [perUser],
      input: ById,
      status: 202,
      response: z.object({ queued: z.number().int() }),
      handler: ({ input, me }) => {
        webhooks.get(input.params.id);
        return {
          queued: webhooks.enqueue("webhook.test", { endpoint_id: input.params.id, by: me.id }, input.params.id),
        };
      },
    }),
    route({
      method: "get",
      path: "/webhooks/:id/deliveries",
      summary: "The receiver's delivery log, newest first: status, attempts, last answer",
      tag: "webhooks",
      auth: endpoint,
      ownerOf: ofEndpoint,
      input: { ...ById, query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
      response: z.object({ deliveries: z.array(DeliveryOut) }),
      handler: ({ input }) => ({ deliveries: webhooks.deliveries(input.params.id, input.query.limit) }),
    }),
    route({
      method: "post",
      path: "/webhooks/deliveries/:id/resend",
      summary: "Send a delivery again now, with the same webhook-id",
      tag: "webhooks",
      auth: endpoint,
      ownerOf: (i) => webhooks.deliveryOwnerOf(i.params.id),
      before: [perUser],
      input: ById,
      status: 202,
      response: z.object({ delivery: DeliveryOut }),
      handler: ({ input }) => ({ delivery: webhooks.resend(input.params.id) }),
    }),
  ];
}

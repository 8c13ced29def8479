/** Webhook receivers and their delivery log (server/webhooks/): types only. */
export type {
  DeliveryView as WebhookDelivery,
  EndpointView as WebhookEndpoint,
  EventType as WebhookEventType,
} from "../webhooks/service.ts";

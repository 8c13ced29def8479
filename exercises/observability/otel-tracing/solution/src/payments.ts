import { context, propagation, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from "@opentelemetry/semantic-conventions";
import { PAYMENTS_URL } from "./config.ts";
import { inSpan } from "./tracing/spans.ts";

export class PaymentError extends Error {}

/** Charges an order through the payment service: one CLIENT span per outgoing request. */
export function charge(orderId: string, amountCents: number): Promise<{ chargeId: string }> {
  const url = new URL("/charges", PAYMENTS_URL);
  const attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: "POST",
    [ATTR_URL_FULL]: url.href,
    [ATTR_SERVER_ADDRESS]: url.hostname,
    [ATTR_SERVER_PORT]: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
  };
  return inSpan(
    "POST",
    attributes,
    async (span) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      // Inside the client span: the traceparent names *this* span as the callee's parent.
      propagation.inject(context.active(), headers);
      const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ orderId, amountCents }), signal: AbortSignal.timeout(2000) });
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.status);
      if (!res.ok) {
        // fetch does not throw for an HTTP error: a client span fails on any 4xx or 5xx.
        span.setAttribute(ATTR_ERROR_TYPE, String(res.status));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw new PaymentError(`payment service answered ${res.status}`);
      }
      return (await res.json()) as { chargeId: string };
    },
    SpanKind.CLIENT,
  );
}

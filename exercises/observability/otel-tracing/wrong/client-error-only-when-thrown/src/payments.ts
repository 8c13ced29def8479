import { context, propagation, SpanKind } from "@opentelemetry/api";
import {
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
export async function charge(orderId: string, amountCents: number): Promise<{ chargeId: string }> {
  const url = new URL("/charges", PAYMENTS_URL);
  const attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: "POST",
    [ATTR_URL_FULL]: url.href,
    [ATTR_SERVER_ADDRESS]: url.hostname,
    [ATTR_SERVER_PORT]: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
  };
  const answer = await inSpan(
    "POST",
    attributes,
    async (span) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      // Inside the client span: the traceparent names *this* span as the callee's parent.
      propagation.inject(context.active(), headers);
      const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ orderId, amountCents }), signal: AbortSignal.timeout(2000) });
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.status);
      // inSpan records errors that are thrown; the call itself worked.
      return { status: res.status, body: (await res.json()) as { chargeId: string } };
    },
    SpanKind.CLIENT,
  );
  if (answer.status >= 400) throw new PaymentError(`payment service answered ${answer.status}`);
  return answer.body;
}

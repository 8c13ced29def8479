// Hidden tests for "Receive signed webhooks": genuine deliveries are processed exactly once,
// forged, malformed, re-encoded, stale and replayed ones change nothing.
import { describe, expect, it } from "vitest";
import { OTHER, PREVIOUS, delivery, now, ok, order, refused, send, show, sign, uid } from "./support.ts";

/** Sends `d`, expects a 4xx, and checks the order did not move. */
async function expectRefused(what: string, orderId: string, d: Parameters<typeof send>[0], omit: string[] = []) {
  const r = await send(d, omit);
  expect(refused(r), show(`${what} must be refused with a 4xx`, r)).toBe(true);
  expect((await order(orderId)).paid, `${what} must not change order ${orderId}`).toBe(0);
}

describe("genuine deliveries", () => {
  it("a signed payment is processed and shows on the order; a refund subtracts; other event types are acknowledged", async () => {
    const o = uid("order");
    const paid = delivery(o, 1500);
    const r1 = await send(paid);
    expect(ok(r1), show("a genuine payment.succeeded", r1)).toBe(true);
    const r2 = await send(delivery(o, 500, { type: "payment.refunded" }));
    expect(ok(r2), show("a genuine payment.refunded", r2)).toBe(true);
    const r3 = await send(delivery(o, 999, { type: "customer.updated" }));
    expect(ok(r3), show("a genuine event of a type you don't handle", r3)).toBe(true);
    const after = await order(o);
    expect(after.paid, "paid after +1500 and -500").toBe(1000);
    expect(after.events, "the order records the first webhook-id").toContain(paid.id);
  });

  it("the signature covers the bytes as sent: spaces, key order and \\u escapes are accepted", async () => {
    const o = uid("order");
    const body = `{ "data" : { "amount" : 700, "orderId" : "${o}", "note": "caf\\u00e9" },\n  "type" : "payment.succeeded" }`;
    const r = await send(delivery(o, 0, { body }));
    expect(ok(r), show(`a genuine delivery whose body is ${JSON.stringify(body)} (signed as sent)`, r)).toBe(true);
    expect((await order(o)).paid, "verify the raw body, not JSON.stringify(req.body)").toBe(700);
  });

  it("key rotation: the previous secret still works, and any one valid v1 signature in the list is enough", async () => {
    const o = uid("order");
    const r1 = await send(delivery(o, 100, { secret: PREVIOUS }));
    expect(ok(r1), show("a delivery signed with the previous secret (second in WEBHOOK_SECRETS)", r1)).toBe(true);
    const d = delivery(o, 200);
    const list = `v1a,${Buffer.alloc(64, 7).toString("base64")} ${sign(OTHER, d.id, d.timestamp, d.body)} ${d.signature}`;
    const r2 = await send({ ...d, signature: list });
    expect(ok(r2), show(`webhook-signature: "v1a,… v1,<other key> v1,<current key>"`, r2)).toBe(true);
    expect((await order(o)).paid, "both deliveries processed").toBe(300);
  });
});

describe("refused deliveries answer 4xx and change nothing", () => {
  it("deliveries without webhook-signature, webhook-id or webhook-timestamp are refused", async () => {
    const o = uid("order");
    for (const h of ["webhook-signature", "webhook-id", "webhook-timestamp"])
      await expectRefused(`a delivery without ${h}`, o, delivery(o, 100), [h]);
  });

  it("forged signatures are refused: another key, a changed body, id or timestamp, no v1 signature", async () => {
    const o = uid("order");
    await expectRefused("a delivery signed with an unknown secret", o, delivery(o, 100, { secret: OTHER }));
    const d = delivery(o, 100);
    await expectRefused("the body changed after signing (amount 100 -> 100000)", o, { ...d, body: d.body.replace(`"amount":100`, `"amount":100000`) });
    await expectRefused("the webhook-id changed after signing", o, { ...d, id: uid("msg") });
    await expectRefused("the webhook-timestamp changed after signing", o, { ...d, timestamp: String(Number(d.timestamp) - 1) });
    for (const signature of ["v1a," + Buffer.alloc(64, 1).toString("base64"), "v2," + d.signature.slice(3), d.signature.slice(3)])
      await expectRefused(`webhook-signature: "${signature.slice(0, 24)}…" (no v1 signature)`, o, { ...delivery(o, 100), signature });
  });

  it("malformed v1 signatures are refused with a 4xx, never a 500", async () => {
    const o = uid("order");
    for (const signature of ["v1,", "v1,c2hvcnQ=", "v1,!!!not base64!!!", `v1,${"A".repeat(400)}`])
      await expectRefused(`webhook-signature: "${signature.slice(0, 30)}"`, o, { ...delivery(o, 100), signature });
    const d = delivery(o, 100);
    const r = await send(d);
    expect(ok(r), show("a genuine delivery after the malformed ones (is the service still up?)", r)).toBe(true);
  });

  it("the same JSON re-encoded under the original signature is refused", async () => {
    const o = uid("order");
    const d = delivery(o, 100);
    const pretty = JSON.stringify(JSON.parse(d.body), null, 2);
    await expectRefused("the signed compact body re-sent pretty-printed with the original signature", o, { ...d, body: pretty });
    await expectRefused("the signed body re-sent with a trailing newline", o, { ...d, body: d.body + "\n" });
  });

  it("timestamps more than 5 minutes away are refused, in the past and in the future", async () => {
    const o = uid("order");
    await expectRefused("a correctly signed delivery from 6 minutes ago", o, delivery(o, 100, { timestamp: now() - 360 }));
    await expectRefused("a correctly signed delivery dated 6 minutes ahead", o, delivery(o, 100, { timestamp: now() + 360 }));
    await expectRefused("a correctly signed delivery with webhook-timestamp 'yesterday'", o, delivery(o, 100, { timestamp: "yesterday" }));
    const r = await send(delivery(o, 100, { timestamp: now() - 200 }));
    expect(ok(r), show("a correctly signed delivery from 200 s ago (inside the tolerance)", r)).toBe(true);
  });
});

describe("exactly once", () => {
  it("a replayed webhook-id is acknowledged but processed once: sent again, re-signed later, or 5 copies at once", async () => {
    const o = uid("order");
    const d = delivery(o, 100);
    expect(ok(await send(d)), "the first delivery").toBe(true);
    const again = await send(d);
    expect(ok(again), show("the same delivery again (answer 2xx so the provider stops retrying)", again)).toBe(true);
    const resigned = await send(delivery(o, 100, { id: d.id, timestamp: now() + 1 }));
    expect(ok(resigned), show("a retry of the same webhook-id re-signed with a new timestamp", resigned)).toBe(true);
    expect((await order(o)).paid, "one payment of 100 delivered three times, deduplicated by webhook-id").toBe(100);

    const burst = uid("order");
    const copy = delivery(burst, 100);
    const replies = await Promise.all(Array.from({ length: 5 }, () => send(copy)));
    expect(replies.every(ok), `5 copies at once: ${replies.map((r) => r.status).join(", ")}`).toBe(true);
    expect((await order(burst)).paid, "5 concurrent copies of one delivery must credit the order once").toBe(100);
  });

  it("a refused delivery does not use up its webhook-id", async () => {
    const o = uid("order");
    const genuine = delivery(o, 100);
    await expectRefused("a forgery carrying the webhook-id of a genuine delivery yet to come", o, { ...genuine, signature: sign(OTHER, genuine.id, genuine.timestamp, genuine.body) });
    const r = await send(genuine);
    expect(ok(r), show("the genuine delivery with that webhook-id", r)).toBe(true);
    expect((await order(o)).paid, "the genuine delivery must be processed").toBe(100);
  });
});

// Hidden tests for "Logs, metrics and traces". They run in a sandbox that shares only the
// service's loopback: the service is at SERVICE_URL, and the fake inventory these tests start
// on 127.0.0.1:4000 is the INVENTORY_URL the service was started with. One file, in order:
// the readiness tests need the inventory to be down when they start.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accessLines,
  bucketOf,
  call,
  eventually,
  FakeInventory,
  familyOf,
  hex,
  order,
  scrape,
  sleep,
  statusOf,
  valueOf,
} from "./support.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Infinity];
const REQS = "http_requests_total";
const DURATION = "http_request_duration_seconds";

const inventory = new FakeInventory();

/** The inventory is up with its catalog, and the service has loaded it (orders go through). */
async function inventoryReady(): Promise<void> {
  inventory.catalogReady = true;
  inventory.failReservations = false;
  inventory.reservationDelayMs = 0;
  await inventory.start();
  await eventually(() => statusOf("/orders", { method: "POST", headers: { "content-type": "application/json" }, body: '{"sku":"KB-01","quantity":1}' }), (s) => s !== 503, 3000);
}

/** The traceparent the inventory received with the reservation (tests clear `received` first). */
function lastReservationTraceparent(): string {
  const last = inventory.reservations().at(-1);
  expect(last, "the service never called POST /reservations on the inventory").toBeDefined();
  const tp = last!.headers.traceparent;
  expect(tp, "the call to the inventory carried no traceparent header").toBeTypeOf("string");
  expect(tp, "the outgoing traceparent must be 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>").toMatch(TRACEPARENT);
  return tp as string;
}

afterAll(() => inventory.stop());

describe("liveness and readiness", () => {
  it("/healthz answers 200 even while the inventory is down", async () => {
    expect(await statusOf("/healthz"), "GET /healthz").toBe(200);
  });

  it("/readyz answers 503 while the inventory is down", async () => {
    expect(await statusOf("/readyz"), "GET /readyz with nothing listening on INVENTORY_URL").toBe(503);
  });

  it("/readyz stays 503 until the catalog is loaded, then answers 200", async () => {
    inventory.catalogReady = false;
    await inventory.start();
    try {
      await sleep(400); // the service retries loading the catalog, and gets 503s
      expect(await statusOf("/readyz"), "GET /readyz: the inventory is up but the catalog could not be loaded yet").toBe(503);
      inventory.catalogReady = true;
      const s = await eventually(() => statusOf("/readyz"), (v) => v === 200, 3000);
      expect(s, "GET /readyz once the catalog can be loaded (waited 3 s)").toBe(200);
    } finally {
      inventory.catalogReady = true;
    }
  });

  it("/readyz answers 503 when the inventory goes away, while /healthz stays 200", async () => {
    await inventoryReady();
    await inventory.stop();
    try {
      const s = await eventually(() => statusOf("/readyz"), (v) => v === 503, 1500);
      expect(s, "GET /readyz after the inventory stopped (waited 1.5 s)").toBe(503);
      expect(await statusOf("/healthz"), "GET /healthz must not depend on the inventory").toBe(200);
    } finally {
      await inventory.start();
    }
    const back = await eventually(() => statusOf("/readyz"), (v) => v === 200, 2000);
    expect(back, "GET /readyz once the inventory is back (waited 2 s)").toBe(200);
  });
});

describe("request ids", () => {
  beforeAll(inventoryReady);

  it("generates a UUID X-Request-Id for a request without one, a new one each time", async () => {
    const a = (await call("/orders")).headers.get("x-request-id") ?? "(no header)";
    const b = (await call("/orders")).headers.get("x-request-id") ?? "(no header)";
    expect(a, "X-Request-Id response header").toMatch(UUID);
    expect(b, "X-Request-Id response header").toMatch(UUID);
    expect(a, "two requests got the same id").not.toBe(b);
  });

  it("reuses a valid incoming X-Request-Id and replaces an invalid one", async () => {
    for (const id of [`req-${hex(4)}_A.b:c/9`, "x".repeat(128)]) {
      const res = await call("/orders", { headers: { "x-request-id": id } });
      expect(res.headers.get("x-request-id"), `a valid incoming id (${id.length} chars) must be echoed`).toBe(id);
    }
    for (const id of ["y".repeat(129), "has a space"]) {
      const res = await call("/orders", { headers: { "x-request-id": id } });
      const echoed = res.headers.get("x-request-id") ?? "(no header)";
      expect(echoed, `an invalid incoming id (${JSON.stringify(id.slice(0, 20))}…, ${id.length} chars) must be replaced by a new UUID`).toMatch(UUID);
    }
  });
});

describe("structured logs", () => {
  beforeAll(inventoryReady);

  it("writes one JSON log line per request with timestamp, level, msg, method, path, status, duration_ms, request_id", async () => {
    const created = (await (await order()).json()) as { id: string };
    const id = `log-${hex(6)}`;
    const res = await call(`/orders/${created.id}`, { headers: { "x-request-id": id } });
    expect(res.status).toBe(200);
    const lines = await accessLines(id);
    expect(lines, "exactly one access-log line per request").toHaveLength(1);
    const line = lines[0]!;
    expect(line.timestamp, "timestamp: an ISO 8601 string").toMatch(ISO_TIME);
    expect(Math.abs(Date.parse(line.timestamp as string) - Date.now()), "timestamp: the time of the request").toBeLessThan(60_000);
    expect(line.level, "level").toBe("info");
    expect(line.msg, "msg: a non-empty string").toBeTypeOf("string");
    expect((line.msg as string).length).toBeGreaterThan(0);
    expect(line.method, "method").toBe("GET");
    expect(line.path, "path: the route template, not the URL").toBe("/orders/:id");
    expect(line.status, "status: a number").toBe(200);
    expect(line.duration_ms, "duration_ms: a number").toBeTypeOf("number");
    expect(line.duration_ms as number).toBeGreaterThanOrEqual(0);
    expect(line.duration_ms as number, "duration_ms is in milliseconds").toBeLessThan(3000);
  });

  it("logs 4xx as warn and 5xx as error, with the route template (or \"unmatched\") as path", async () => {
    const missing = `ord-${hex(6)}`;
    const cases: { path: string; init?: RequestInit; status: number; level: string; template: string }[] = [
      { path: `/orders/${missing}`, status: 404, level: "warn", template: "/orders/:id" },
      { path: `/no-such-route/${hex(6)}`, status: 404, level: "warn", template: "unmatched" },
      { path: "/orders", init: { method: "POST", headers: { "content-type": "application/json" }, body: '{"sku":"KB-01","quantity":1}' }, status: 502, level: "error", template: "/orders" },
    ];
    for (const c of cases) {
      const id = `lvl-${hex(6)}`;
      inventory.failReservations = c.status === 502;
      try {
        const res = await call(c.path, { ...c.init, headers: { ...(c.init?.headers as Record<string, string>), "x-request-id": id } });
        expect(res.status, `${c.init?.method ?? "GET"} ${c.path}`).toBe(c.status);
      } finally {
        inventory.failReservations = false;
      }
      const [line] = await accessLines(id);
      expect(line!.level, `level for a ${c.status}`).toBe(c.level);
      expect(line!.path, `path for ${c.init?.method ?? "GET"} ${c.path}`).toBe(c.template);
      expect(line!.status).toBe(c.status);
    }
  });
});

describe("Prometheus metrics", () => {
  beforeAll(inventoryReady);

  it("serves /metrics in the text exposition format with # HELP and # TYPE lines", async () => {
    const { contentType, exp } = await scrape();
    expect(contentType, "Content-Type of /metrics").toMatch(/^text\/plain/);
    expect(exp.errors, "lines /metrics got wrong").toEqual([]);
    expect(exp.type.get(REQS), `# TYPE ${REQS} …`).toBe("counter");
    expect(exp.type.get(DURATION), `# TYPE ${DURATION} …`).toBe("histogram");
    expect(exp.help.get(REQS)?.trim(), `# HELP ${REQS} <text>`).toBeTruthy();
    expect(exp.help.get(DURATION)?.trim(), `# HELP ${DURATION} <text>`).toBeTruthy();
    const families = new Set(exp.samples.map((s) => familyOf(s.name, exp.type)));
    expect(families.has(REQS) && families.has(DURATION), "both metrics have samples after some requests").toBe(true);
  });

  it("counts http_requests_total by method, route template and status", async () => {
    const before = (await scrape()).exp;
    const created = (await (await order()).json()) as { id: string };
    await call(`/orders/${created.id}`);
    await call(`/orders/${created.id}`);
    await call(`/orders/${hex(8)}`);
    const after = (await scrape()).exp;
    const delta = (labels: Record<string, string>) => valueOf(after, REQS, labels) - valueOf(before, REQS, labels);
    expect(delta({ method: "POST", route: "/orders", status: "201" }), 'http_requests_total{method="POST",route="/orders",status="201"} increase').toBe(1);
    expect(delta({ method: "GET", route: "/orders/:id", status: "200" }), 'http_requests_total{method="GET",route="/orders/:id",status="200"} increase').toBe(2);
    expect(delta({ method: "GET", route: "/orders/:id", status: "404" }), 'http_requests_total{method="GET",route="/orders/:id",status="404"} increase').toBe(1);
  });

  it("keeps label cardinality bounded: ids and unknown paths never become label values", async () => {
    const raw = [hex(8), hex(8), hex(8)];
    await call(`/orders/${raw[0]}`);
    await call(`/orders/${raw[1]}`, { method: "DELETE" });
    await call(`/does/not/exist/${raw[2]}`);
    const { text, exp } = await scrape();
    for (const r of raw) expect(text.includes(r), `the raw id ${r} appears in /metrics`).toBe(false);
    expect(valueOf(exp, REQS, { method: "DELETE", route: "/orders/:id", status: "404" }), 'route="/orders/:id" for DELETE').toBeGreaterThanOrEqual(1);
    expect(valueOf(exp, REQS, { method: "GET", route: "unmatched", status: "404" }), 'route="unmatched" for a path no route matches').toBeGreaterThanOrEqual(1);
  });

  it("exposes http_request_duration_seconds as a histogram: cumulative _bucket series ending in +Inf, _sum and _count", async () => {
    const { exp } = await scrape();
    const buckets = exp.samples.filter((s) => s.name === `${DURATION}_bucket`);
    expect(buckets.length, `no ${DURATION}_bucket samples`).toBeGreaterThan(0);
    const series = new Map<string, typeof buckets>();
    for (const b of buckets) {
      const { le, ...rest } = b.labels;
      expect(le, `${DURATION}_bucket without an le label`).toBeDefined();
      expect(Object.keys(rest).sort(), `${DURATION} labels (besides le)`).toEqual(["method", "route"]);
      const key = JSON.stringify(rest, ["method", "route"]);
      series.set(key, [...(series.get(key) ?? []), b]);
    }
    expect([...series.keys()].some((k) => k.includes('"route":"/orders"')), "a series for POST /orders").toBe(true);
    for (const [key, list] of series) {
      const les = list.map((b) => (b.labels.le === "+Inf" ? Infinity : Number(b.labels.le)));
      expect([...les].sort((a, b) => a - b), `le values of ${key}`).toEqual(BUCKETS);
      const byLe = [...list].sort((a, b) => (a.labels.le === "+Inf" ? Infinity : Number(a.labels.le)) - (b.labels.le === "+Inf" ? Infinity : Number(b.labels.le)));
      for (let i = 1; i < byLe.length; i++) expect(byLe[i]!.value, `buckets of ${key} must be cumulative (le=${byLe[i]!.labels.le})`).toBeGreaterThanOrEqual(byLe[i - 1]!.value);
      const labels = JSON.parse(key) as Record<string, string>;
      const count = exp.samples.filter((s) => s.name === `${DURATION}_count` && s.labels.method === labels.method && s.labels.route === labels.route);
      const sum = exp.samples.filter((s) => s.name === `${DURATION}_sum` && s.labels.method === labels.method && s.labels.route === labels.route);
      expect(count, `${DURATION}_count for ${key}`).toHaveLength(1);
      expect(sum, `${DURATION}_sum for ${key}`).toHaveLength(1);
      expect(byLe.at(-1)!.value, `le="+Inf" bucket equals _count for ${key}`).toBe(count[0]!.value);
      expect(sum[0]!.value, `_sum for ${key}`).toBeGreaterThanOrEqual(0);
    }
  });

  it("observes request durations in seconds, in the right buckets", async () => {
    const labels = { method: "POST", route: "/orders" };
    const before = (await scrape()).exp;
    inventory.reservationDelayMs = 150;
    try {
      expect((await order()).status, "POST /orders (the inventory takes 150 ms)").toBe(201);
    } finally {
      inventory.reservationDelayMs = 0;
    }
    const after = (await scrape()).exp;
    const d = (fn: (e: typeof after) => number) => fn(after) - fn(before);
    expect(d((e) => valueOf(e, `${DURATION}_count`, labels)), "_count increase").toBe(1);
    expect(d((e) => bucketOf(e, DURATION, labels, 0.1)), 'le="0.1" must not count a 150 ms request').toBe(0);
    expect(d((e) => bucketOf(e, DURATION, labels, 1)), 'le="1" must count a 150 ms request').toBe(1);
    expect(d((e) => bucketOf(e, DURATION, labels, Infinity)), 'le="+Inf" increase').toBe(1);
    const sum = d((e) => valueOf(e, `${DURATION}_sum`, labels));
    expect(sum, "_sum increase, in seconds").toBeGreaterThanOrEqual(0.15);
    expect(sum, "_sum increase, in seconds").toBeLessThan(1.5);
  });
});

describe("W3C trace context", () => {
  beforeAll(inventoryReady);

  it("continues an incoming traceparent: same trace id and flags, a new span id on the call to the inventory", async () => {
    for (const flags of ["01", "00"]) {
      const traceId = hex(16);
      const parentId = hex(8);
      inventory.received = [];
      const res = await order({ traceparent: `00-${traceId}-${parentId}-${flags}` });
      expect(res.status, "POST /orders").toBe(201);
      const [, t, span, f] = TRACEPARENT.exec(lastReservationTraceparent())!;
      expect(t, "the trace id must be continued").toBe(traceId);
      expect(span, "the span id must be new: this service's span, not the caller's").not.toBe(parentId);
      expect(span, "an all-zero span id is invalid").not.toBe("0".repeat(16));
      expect(f, "the trace flags must be kept").toBe(flags);
    }
  });

  it("writes trace_id and span_id in the request's log line, matching the call to the inventory", async () => {
    const traceId = hex(16);
    const id = `trace-${hex(6)}`;
    inventory.received = [];
    const res = await order({ traceparent: `00-${traceId}-${hex(8)}-01`, "x-request-id": id });
    expect(res.status).toBe(201);
    const [, , span] = TRACEPARENT.exec(lastReservationTraceparent())!;
    const [line] = await accessLines(id);
    expect(line!.trace_id, "trace_id in the log line").toBe(traceId);
    expect(line!.span_id, "span_id in the log line: the parent id the inventory received").toBe(span);
  });

  it("starts a new trace when traceparent is missing or invalid", async () => {
    const t = hex(16);
    const p = hex(8);
    const invalid = [
      undefined,
      `00-${"0".repeat(32)}-${p}-01`, // all-zero trace id
      `00-${t}-${"0".repeat(16)}-01`, // all-zero parent id
      `00-${t.toUpperCase()}-${p}-01`, // hex must be lowercase
      `ff-${t}-${p}-01`, // version ff is forbidden
      `00-${t.slice(1)}-${p}-01`, // 31-digit trace id
      `00-${t}-${p}`, // no flags
      `00_${t}_${p}_01`,
    ];
    const seen = new Set<string>();
    for (const header of invalid) {
      inventory.received = [];
      const res = await order(header === undefined ? {} : { traceparent: header });
      expect(res.status, `POST /orders with traceparent ${JSON.stringify(header)}`).toBe(201);
      const [, traceId] = TRACEPARENT.exec(lastReservationTraceparent())!;
      expect(traceId, `traceparent ${JSON.stringify(header)}: a new trace id`).not.toBe("0".repeat(32));
      expect(traceId, `traceparent ${JSON.stringify(header)} is invalid: start a new trace`).not.toBe(t.toLowerCase());
      expect(seen.has(traceId!), "each new trace needs its own random trace id").toBe(false);
      seen.add(traceId!);
    }
  });
});

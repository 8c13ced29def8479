// Helpers for the hidden tests: a gRPC client (@grpc/grpc-js, codec.ts) for the
// learner's service on the shared loopback. exercise.yaml starts it with GRPC_PORT=50051
// and STORE_LATENCY_MS=600.
import * as grpc from "@grpc/grpc-js";
import * as codec from "./codec.ts";

export { grpc };
export const ADDRESS = `127.0.0.1:${process.env.GRPC_PORT ?? 50051}`;
export const STORE_LATENCY_MS = 600;
export const READER = "reader-7f3a9c";
export const WRITER = "writer-91c2d4";

type Shape = Record<string, { no: number; kind: "string" | "int32" }>;
const method = (path: string, req: Shape, res: Shape, responseStream = false, map = (m: any) => m) => ({
  path,
  requestStream: false,
  responseStream,
  requestSerialize: (m: any) => codec.encode(req, m),
  requestDeserialize: (b: Buffer) => codec.decode(req, b),
  responseSerialize: (m: any) => codec.encode(res, m),
  responseDeserialize: (b: Buffer) => map(codec.decode(res, b)),
});
const options = { "grpc.enable_http_proxy": 0 };
const Catalog = grpc.makeGenericClientConstructor(
  {
    GetItem: method("/catalog.v1.Catalog/GetItem", codec.GetItemRequest, codec.Item),
    ListItems: method("/catalog.v1.Catalog/ListItems", codec.ListItemsRequest, codec.Item, true),
    ReserveItem: method("/catalog.v1.Catalog/ReserveItem", codec.ReserveItemRequest, codec.Item),
  },
  "catalog.v1.Catalog",
);
const Health = grpc.makeGenericClientConstructor(
  {
    Check: method("/grpc.health.v1.Health/Check", codec.HealthCheckRequest, codec.HealthCheckResponse, false, (m) => ({
      status: codec.SERVING_STATUS[m.status as number] ?? String(m.status),
    })),
  },
  "grpc.health.v1.Health",
);
export const catalog: any = new Catalog(ADDRESS, grpc.credentials.createInsecure(), options);
export const health: any = new Health(ADDRESS, grpc.credentials.createInsecure(), options);

export type Item = { id: string; name: string; category: string; stock: number };
export type Outcome<T> = { ok: true; value: T; ms: number } | { ok: false; code: number; details: string; ms: number };

export const codeName = (code: number) => grpc.status[code] ?? String(code);
export const show = (o: Outcome<unknown>) =>
  o.ok ? `OK ${JSON.stringify(o.value)}` : `${codeName(o.code)} (${o.code}) "${o.details}"`;

export function auth(token?: string): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token !== undefined) md.set("authorization", `Bearer ${token}`);
  return md;
}

/** A unary call that never throws: the value or the status, and how long it took. */
export function unary<T>(
  client: any,
  method: string,
  request: object,
  md = auth(READER),
  opts: { deadlineMs?: number; cancelAfterMs?: number } = {},
): Promise<Outcome<T>> {
  const started = performance.now();
  return new Promise((resolve) => {
    const call = client[method](request, md, { deadline: Date.now() + (opts.deadlineMs ?? 3000) }, (err: any, value: T) => {
      const ms = performance.now() - started;
      resolve(err ? { ok: false, code: err.code, details: err.details ?? "", ms } : { ok: true, value, ms });
    });
    if (opts.cancelAfterMs !== undefined) setTimeout(() => call.cancel(), opts.cancelAfterMs);
  });
}

/** A server-streaming call: every message, then the final status. */
export function stream<T>(client: any, method: string, request: object, md = auth(READER)) {
  return new Promise<{ messages: T[]; code: number; details: string }>((resolve) => {
    const messages: T[] = [];
    const call = client[method](request, md, { deadline: Date.now() + 3000 });
    call.on("data", (m: T) => messages.push(m));
    call.on("error", (err: any) => resolve({ messages, code: err.code, details: err.details ?? "" }));
    call.on("status", (s: any) => {
      if (s.code === grpc.status.OK) resolve({ messages, code: s.code, details: s.details ?? "" });
    });
  });
}

export async function getItem(id: string): Promise<Item> {
  const o = await unary<Item>(catalog, "GetItem", { id }, auth(WRITER));
  if (!o.ok) throw new Error(`GetItem ${id} -> ${show(o)}`);
  return o.value;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Helpers for the hidden tests: HTTP calls, the statement log and plans kept by src/db.ts.

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");

export type Answer = { status: number; headers: Headers; body: any; text: string };

export async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(BASE + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export const seen = (a: Answer) => `HTTP ${a.status} ${a.text.slice(0, 300)}`;

export function isProblem(a: Answer, status: number): string | null {
  if (a.status !== status) return `expected ${status}, got ${seen(a)}`;
  if (!(a.headers.get("content-type") ?? "").startsWith("application/problem+json")) return `expected Content-Type application/problem+json, got ${a.headers.get("content-type")}`;
  return null;
}

let made = 0;
export async function newCustomer(): Promise<number> {
  const a = await call("POST", "/customers", { name: "Test customer", email: `test-${process.pid}-${++made}@example.com` });
  if (a.status !== 201 || typeof a.body?.id !== "number") throw new Error(`POST /customers must answer 201 with the customer, got ${seen(a)}`);
  return a.body.id;
}

export type Order = { id: number; status: string; created_at: string; total_cents: number; items: { product_id: number; product_name: string; quantity: number; unit_price_cents: number }[] };

/** Places `n` orders for the customer, one after the other; returns them as POST /orders answered, oldest first. */
export async function placeOrders(customer: number, n: number): Promise<Order[]> {
  const out: Order[] = [];
  for (let i = 0; i < n; i++) {
    const items = Array.from({ length: 1 + (i % 4) }, (_, k) => ({ product_id: 1 + ((i * 37 + k * 101) % 500), quantity: 1 + ((i + k) % 3) }));
    const a = await call("POST", "/orders", { customer_id: customer, items });
    if (a.status !== 201 || typeof a.body?.id !== "number") throw new Error(`POST /orders must answer 201 with the order, got ${seen(a)}`);
    out.push(a.body);
  }
  return out;
}

/** A customer of the tests' own with 25 orders, made once per run. */
let regular: Promise<{ id: number; orders: Order[] }> | undefined;
export function customerWith25Orders() {
  regular ??= (async () => {
    const id = await newCustomer();
    return { id, orders: await placeOrders(id, 25) };
  })();
  return regular;
}

export async function statementCount(): Promise<number> {
  const a = await call("GET", "/__stats");
  if (a.status !== 200 || typeof a.body?.queries !== "number") throw new Error(`GET /__stats must answer {"queries": n} (keep src/db.ts and src/debug.ts as they are), got ${seen(a)}`);
  return a.body.queries;
}

export type Logged = { seq: number; sql: string; params: unknown[]; plan: any };

/** The statements one request made, with their plans. */
export async function statementsOf(path: string): Promise<{ answer: Answer; statements: Logged[] }> {
  const before = await statementCount();
  const answer = await call("GET", path);
  const log = await call("GET", `/__debug/queries?after=${before}`);
  if (log.status !== 200 || !Array.isArray(log.body?.queries)) throw new Error(`GET /__debug/queries must answer {"queries": [...]}, got ${seen(log)}`);
  return { answer, statements: log.body.queries };
}

export type PlanNode = { "Node Type": string; "Relation Name"?: string; "Index Name"?: string; "Scan Direction"?: string; Plans?: PlanNode[]; [k: string]: unknown };
export type Scan = { node: PlanNode; ancestors: PlanNode[]; statement: Logged };

/** Every plan node reading `table`, with the nodes above it (nearest last). */
export function scansOf(statements: Logged[], table: string): Scan[] {
  const out: Scan[] = [];
  for (const statement of statements) {
    const root = Array.isArray(statement.plan) ? statement.plan[0]?.Plan : undefined;
    const walk = (node: PlanNode, ancestors: PlanNode[]) => {
      if (node["Relation Name"] === table) out.push({ node, ancestors, statement });
      for (const child of node.Plans ?? []) walk(child, [...ancestors, node]);
    };
    if (root) walk(root, []);
  }
  return out;
}

/** The indexes a scan node reads: its own, or those of the Bitmap Index Scans under it. */
export function indexesRead(node: PlanNode): string[] {
  if (node["Index Name"]) return [node["Index Name"]];
  const names: string[] = [];
  const walk = (n: PlanNode) => {
    if (n["Node Type"] === "Bitmap Index Scan" && n["Index Name"]) names.push(n["Index Name"]);
    for (const c of n.Plans ?? []) walk(c);
  };
  for (const c of node.Plans ?? []) walk(c);
  return names;
}

/** Index name -> its key columns in order, lower case, e.g. ["customer_id", "created_at"]. */
export async function indexColumns(): Promise<Map<string, { table: string; columns: string[]; definition: string }>> {
  const a = await call("GET", "/__debug/indexes");
  if (a.status !== 200 || !Array.isArray(a.body?.indexes)) throw new Error(`GET /__debug/indexes must answer {"indexes": [...]}, got ${seen(a)}`);
  const out = new Map<string, { table: string; columns: string[]; definition: string }>();
  for (const ix of a.body.indexes as { table: string; name: string; definition: string }[]) {
    const keys = /USING \w+ \((.*?)\)(?: INCLUDE| WHERE|$)/.exec(ix.definition)?.[1] ?? "";
    out.set(ix.name, { table: ix.table, columns: keys.split(",").map((k) => k.trim().split(/\s+/)[0]!.replace(/"/g, "").toLowerCase()), definition: ix.definition });
  }
  return out;
}

/** What the messages show of a request's plans. */
export function describePlans(statements: Logged[]): string {
  const lines: string[] = [];
  for (const s of statements) {
    lines.push(`  ${s.sql.replace(/\s+/g, " ").trim().slice(0, 140)}`);
    const walk = (n: PlanNode, depth: number) => {
      lines.push(`    ${"  ".repeat(depth)}${n["Node Type"]}${n["Scan Direction"] === "Backward" ? " Backward" : ""}${n["Index Name"] ? ` using ${n["Index Name"]}` : ""}${n["Relation Name"] ? ` on ${n["Relation Name"]}` : ""}`);
      for (const c of n.Plans ?? []) walk(c, depth + 1);
    };
    if (Array.isArray(s.plan) && s.plan[0]?.Plan) walk(s.plan[0].Plan, 0);
  }
  return lines.slice(0, 60).join("\n");
}

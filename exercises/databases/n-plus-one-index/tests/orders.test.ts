// Hidden tests for "n-plus-one-index". The service seeds 1 000 customers (1 to 10 are
// wholesale buyers with 800 orders each) and 20 000 orders at start. Query counts come from
// GET /__stats before and after a request; plans are PostgreSQL's EXPLAIN of the very
// statements the request ran, which src/db.ts records (GET /__debug/queries).
import { describe, expect, it } from "vitest";
import { call, customerWith25Orders, describePlans, indexColumns, indexesRead, isProblem, newCustomer, placeOrders, scansOf, seen, statementCount, statementsOf, type Order } from "./support.ts";

/** Per test: the machine may be busy, and PGlite runs every statement on one core. */
const LONG = 90_000;
const WHOLESALE = 7;
const REGULAR = 500;

function expectOrders(actual: any[], expected: Order[], what: string) {
  expect(
    actual.map((o) => o.id),
    `${what}: the order ids, newest first`,
  ).toEqual(expected.map((o) => o.id));
  actual.forEach((o, i) => {
    const e = expected[i]!;
    expect(o, `${what}: order ${e.id}`).toMatchObject({ id: e.id, status: e.status, total_cents: e.total_cents });
    expect(
      o.items,
      `${what}: the items of order ${e.id}, in the order they were placed, each with its product's name`,
    ).toEqual(e.items.map((it) => ({ product_id: it.product_id, product_name: it.product_name, quantity: it.quantity, unit_price_cents: it.unit_price_cents })));
  });
}

describe("the endpoint", () => {
  it("GET /customers/:id/orders answers the newest orders first, each with its items, product names and total", async () => {
    const { id, orders } = await customerWith25Orders();
    const newestFirst = [...orders].reverse();
    const page = await call("GET", `/customers/${id}/orders`);
    expect(page.status, `GET /customers/${id}/orders: ${seen(page)}`).toBe(200);
    expect(page.body?.customer_id, "customer_id").toBe(id);
    expectOrders(page.body.orders, newestFirst.slice(0, 20), `GET /customers/${id}/orders (25 orders, default limit 20)`);
    const three = await call("GET", `/customers/${id}/orders?limit=3`);
    expectOrders(three.body?.orders ?? [], newestFirst.slice(0, 3), `GET /customers/${id}/orders?limit=3`);
    const all = await call("GET", `/customers/${id}/orders?limit=100`);
    expectOrders(all.body?.orders ?? [], newestFirst, `GET /customers/${id}/orders?limit=100`);
  }, LONG);

  it("400 for a bad id or limit, 404 for an unknown customer, an empty list for a customer without orders", async () => {
    for (const path of ["/customers/abc/orders", "/customers/0/orders", "/customers/1/orders?limit=0", "/customers/1/orders?limit=101", "/customers/1/orders?limit=ten"]) {
      expect(isProblem(await call("GET", path), 400), `GET ${path}`).toBeNull();
    }
    expect(isProblem(await call("GET", "/customers/987654/orders"), 404), "GET /customers/987654/orders (no such customer)").toBeNull();
    const fresh = await newCustomer();
    const empty = await call("GET", `/customers/${fresh}/orders`);
    expect(empty.status, `a customer without orders: ${seen(empty)}`).toBe(200);
    expect(empty.body, "a customer without orders").toEqual({ customer_id: fresh, orders: [] });
  }, LONG);
});

describe("the queries", () => {
  it("a constant number of queries: at most 4 per request, the same for 1 order as for 20 or 50", async () => {
    const one = await newCustomer();
    await placeOrders(one, 1);
    const { id: twentyFive } = await customerWith25Orders();
    const counts: Record<string, number> = {};
    for (const path of [`/customers/${one}/orders`, `/customers/${twentyFive}/orders`, `/customers/${WHOLESALE}/orders?limit=50`]) {
      const before = await statementCount();
      const a = await call("GET", path);
      expect(a.status, `GET ${path}: ${seen(a)}`).toBe(200);
      counts[`${path} (${a.body.orders.length} orders)`] = (await statementCount()) - before;
    }
    const values = Object.values(counts);
    expect(Math.max(...values), `statements per request: ${JSON.stringify(counts)}. One query per order, or per item, is the N+1 problem: fetch all the items of the page's orders in one query (order_id = ANY($1), or a JOIN)`).toBeLessThanOrEqual(4);
    expect(new Set(values).size, `statements per request: ${JSON.stringify(counts)}: the count must not depend on the number of orders`).toBe(1);
  }, LONG);

  it("the orders are read through an index on (customer_id, created_at): no Seq Scan, and for a big customer no Sort before the LIMIT", async () => {
    const indexes = await indexColumns();
    const regular = await statementsOf(`/customers/${REGULAR}/orders`);
    expect(regular.answer.status, seen(regular.answer)).toBe(200);
    const regularScans = scansOf(regular.statements, "orders");
    expect(regularScans.length, `no statement of GET /customers/${REGULAR}/orders read the orders table through src/db.ts`).toBeGreaterThan(0);
    for (const s of regularScans) {
      const used = indexesRead(s.node);
      expect(
        used.some((name) => indexes.get(name)?.columns[0] === "customer_id"),
        `GET /customers/${REGULAR}/orders (about 12 orders among 20 000) reads orders with a ${s.node["Node Type"]}${used.length ? ` using ${used.join(", ")}` : ""}: it should find the customer's orders through an index that starts with customer_id. Add one in a migration.\nPlans:\n${describePlans(regular.statements)}`,
      ).toBe(true);
    }

    const big = await statementsOf(`/customers/${WHOLESALE}/orders?limit=20`);
    expect(big.answer.status, seen(big.answer)).toBe(200);
    const bigScans = scansOf(big.statements, "orders");
    expect(bigScans.length, `no statement of GET /customers/${WHOLESALE}/orders read the orders table through src/db.ts`).toBeGreaterThan(0);
    for (const s of bigScans) {
      const plans = `\nPlans:\n${describePlans(big.statements)}`;
      const name = s.node["Index Name"];
      const columns = name ? indexes.get(name)?.columns : undefined;
      expect(
        ["Index Scan", "Index Only Scan"].includes(s.node["Node Type"]) && columns?.[0] === "customer_id" && columns?.[1] === "created_at",
        `customer ${WHOLESALE} has 800 orders; the page shows the newest 20. The plan reads orders with a ${s.node["Node Type"]}${name ? ` using ${name} (${indexes.get(name)?.definition})` : ""}. With an index on (customer_id, created_at) - the equality column first, then the sort column - PostgreSQL walks that customer's entries newest first and stops after 20.${plans}`,
      ).toBe(true);
      const nearestLimit = s.ancestors.map((n) => n["Node Type"]).lastIndexOf("Limit");
      expect(nearestLimit, `the orders query has no LIMIT above its scan of orders: limit the orders in SQL, not in JavaScript${plans}`).toBeGreaterThanOrEqual(0);
      const between = s.ancestors.slice(nearestLimit + 1).map((n) => n["Node Type"]);
      expect(between.filter((t) => /Sort/.test(t)), `a ${between.join(" > ")} sits between the LIMIT and the scan of orders: PostgreSQL sorts that customer's orders before it can keep 20${plans}`).toEqual([]);
    }
  }, LONG);

  it("the items are read through an index on order_items (order_id)", async () => {
    const indexes = await indexColumns();
    const big = await statementsOf(`/customers/${WHOLESALE}/orders?limit=20`);
    expect(big.answer.status, seen(big.answer)).toBe(200);
    const scans = scansOf(big.statements, "order_items");
    expect(scans.length, `no statement of GET /customers/${WHOLESALE}/orders read order_items through src/db.ts`).toBeGreaterThan(0);
    for (const s of scans) {
      const used = indexesRead(s.node);
      expect(
        used.some((name) => indexes.get(name)?.table === "order_items" && indexes.get(name)?.columns[0] === "order_id"),
        `order_items (60 000 rows) is read with a ${s.node["Node Type"]}${used.length ? ` using ${used.join(", ")}` : ""} to find the items of 20 orders. PostgreSQL indexes primary keys, not foreign keys: add an index on order_items (order_id) in a migration.\nPlans:\n${describePlans(big.statements)}`,
      ).toBe(true);
    }
  }, LONG);
});

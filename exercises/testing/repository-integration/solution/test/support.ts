// Shared set-up: one pool for the whole run, a statement counter, and empty tables before each test.
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createDb } from "../src/db.ts";
import { createShop } from "../src/shop.ts";

export const statements: string[] = [];
export const db = createDb({ onQuery: (sql) => statements.push(sql) });
export const shop = createShop(db);

beforeAll(async () => {
  await shop.migrate();
});
beforeEach(async () => {
  await db.query("truncate order_lines, orders, cart_items, products, customers restart identity cascade");
  statements.length = 0;
});
afterAll(async () => {
  await db.end();
});

let n = 0;
export const newCustomer = () => shop.createCustomer(`customer-${++n}@example.com`);

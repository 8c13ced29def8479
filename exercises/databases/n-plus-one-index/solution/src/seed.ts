// Fills an empty database with a shop's history, the same at every start: 1 000 customers,
// 500 products, 20 000 orders over ~14 months and 60 000 items. Customers 1 to 10 are
// wholesale buyers with 800 orders each; the others have about 12. Then ANALYZE, so the
// planner knows how big the tables are and how the values are spread.
import type { Db } from "./db.ts";

export const SEED = { customers: 1_000, wholesale: 10, products: 500, orders: 20_000, itemsPerOrder: 3 };

export async function seed(db: Db): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from customers");
  if (rows[0]!.n > 0) return false;
  const { customers, wholesale, products, orders, itemsPerOrder } = SEED;
  // One transaction that skips the per-row foreign-key checks (as pg_restore --disable-triggers
  // does; superuser only): these rows are valid by construction, and the checks would cost
  // most of the seed's time.
  await db.transaction((tx) =>
    tx.exec(`
      set local session_replication_role = replica;
      insert into customers (name, email)
        select 'Customer ' || i, 'customer' || i || '@example.com' from generate_series(1, ${customers}) i;
      insert into products (name, price_cents)
        select 'Product ' || i, 100 + (i * 7919) % 9900 from generate_series(1, ${products}) i;
      -- 2 orders in 5 go to a wholesale customer; all customers' orders are interleaved in time.
      insert into orders (customer_id, status, created_at)
        select case when i % 5 < 2 then 1 + (i / 5) % ${wholesale} else ${wholesale + 1} + i % ${customers - wholesale} end,
               (array['pending', 'paid', 'shipped', 'cancelled'])[1 + i % 4],
               timestamptz '2025-01-01 00:00:00+00' + i * interval '31 minutes'
        from generate_series(1, ${orders}) i;
      insert into order_items (order_id, product_id, quantity, unit_price_cents)
        select o, p, 1 + (o + k) % 4, 100 + (p * 7919) % 9900
        from generate_series(1, ${orders}) o, generate_series(1, ${itemsPerOrder}) k,
             lateral (select 1 + (o * 7 + k * 97) % ${products - 1} as p) chosen;
      analyze;
    `),
  );
  return true;
}

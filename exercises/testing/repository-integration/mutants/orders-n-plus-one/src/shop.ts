// A shop's repository: customers, products, carts and orders on PostgreSQL.
// This module is correct. Your job is to write the tests that would notice if it were not.
import type { Db, Queryable } from "./db.ts";
import { SCHEMA } from "./schema.ts";

export class DuplicateEmailError extends Error {}
export class OutOfStockError extends Error {
  constructor(readonly sku: string) {
    super(`not enough ${sku} in stock`);
  }
}

export type Customer = { id: number; email: string };
export type Product = { id: number; sku: string; price_cents: number; stock: number };
export type OrderLine = { sku: string; quantity: number; price_cents: number };
export type Order = { id: number; total_cents: number; lines: OrderLine[] };

export function createShop(db: Db) {
  return {
    /** Creates the tables (if they do not exist yet). */
    async migrate(): Promise<void> {
      await db.query(SCHEMA);
    },

    /** A new customer. The same email twice is refused with DuplicateEmailError. */
    async createCustomer(email: string): Promise<Customer> {
      try {
        const r = await db.query<Customer>("insert into customers (email) values ($1) returning id, email", [email]);
        return r.rows[0]!;
      } catch (err) {
        if ((err as { code?: string }).code === "23505") throw new DuplicateEmailError(`${email} is taken`);
        throw err;
      }
    },

    async addProduct(sku: string, priceCents: number, stock: number): Promise<Product> {
      const r = await db.query<Product>(
        "insert into products (sku, price_cents, stock) values ($1, $2, $3) returning id, sku, price_cents, stock",
        [sku, priceCents, stock],
      );
      return r.rows[0]!;
    },

    async product(id: number): Promise<Product | null> {
      const r = await db.query<Product>("select id, sku, price_cents, stock from products where id = $1", [id]);
      return r.rows[0] ?? null;
    },

    /** Adds `quantity` of a product to the cart; adding one already there adds to its quantity. Returns the new quantity. */
    async addToCart(customerId: number, productId: number, quantity: number): Promise<number> {
      const r = await db.query<{ quantity: number }>(
        `insert into cart_items (customer_id, product_id, quantity) values ($1, $2, $3)
         on conflict (customer_id, product_id) do update set quantity = cart_items.quantity + excluded.quantity
         returning quantity`,
        [customerId, productId, quantity],
      );
      return r.rows[0]!.quantity;
    },

    async cart(customerId: number): Promise<{ product_id: number; quantity: number }[]> {
      const r = await db.query<{ product_id: number; quantity: number }>(
        "select product_id, quantity from cart_items where customer_id = $1 order by product_id",
        [customerId],
      );
      return r.rows;
    },

    /**
     * Turns the cart into an order: takes each line's quantity from stock, records the order
     * and empties the cart — all of it or nothing. A line with too little stock throws
     * OutOfStockError and changes nothing. Safe when many customers check out at once.
     */
    async checkout(customerId: number): Promise<Order> {
      return db.transaction(async (tx) => {
        const items = await tx.query<{ product_id: number; quantity: number }>(
          "select product_id, quantity from cart_items where customer_id = $1 order by product_id",
          [customerId],
        );
        if (items.rows.length === 0) throw new Error("the cart is empty");
        const order = await tx.query<{ id: number }>(
          "insert into orders (customer_id, total_cents) values ($1, 0) returning id",
          [customerId],
        );
        const orderId = order.rows[0]!.id;
        let total = 0;
        const lines: OrderLine[] = [];
        for (const item of items.rows) {
          const line = await takeFromStock(tx, item.product_id, item.quantity);
          await tx.query("insert into order_lines (order_id, product_id, quantity, price_cents) values ($1, $2, $3, $4)", [
            orderId,
            item.product_id,
            item.quantity,
            line.price_cents,
          ]);
          total += line.price_cents * item.quantity;
          lines.push({ sku: line.sku, quantity: item.quantity, price_cents: line.price_cents });
        }
        await tx.query("update orders set total_cents = $2 where id = $1", [orderId, total]);
        await tx.query("delete from cart_items where customer_id = $1", [customerId]);
        return { id: orderId, total_cents: total, lines };
      });
    },

    /** A customer's orders, oldest first, each with its lines (by sku). */
    async ordersWithLines(customerId: number): Promise<Order[]> {
      const orders = await db.query<{ id: number; total_cents: number }>(
        "select id, total_cents from orders where customer_id = $1 order by id",
        [customerId],
      );
      const out: Order[] = [];
      for (const o of orders.rows) {
        const lines = await db.query<OrderLine>(
          `select p.sku, l.quantity, l.price_cents from order_lines l join products p on p.id = l.product_id
           where l.order_id = $1 order by p.sku`,
          [o.id],
        );
        out.push({ id: o.id, total_cents: o.total_cents, lines: lines.rows });
      }
      return out;
    },
  };
}

/** Locks the product's row until the transaction ends, checks its stock and takes `quantity` from it. */
async function takeFromStock(tx: Queryable, productId: number, quantity: number) {
  const r = await tx.query<Product>("select id, sku, price_cents, stock from products where id = $1 for update", [
    productId,
  ]);
  const p = r.rows[0]!;
  if (p.stock < quantity) throw new OutOfStockError(p.sku);
  await tx.query("update products set stock = $2 where id = $1", [productId, p.stock - quantity]);
  return p;
}

export type Shop = ReturnType<typeof createShop>;

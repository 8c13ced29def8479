import pg from "pg";
import { describe, expect, it } from "vitest";
import { db, newCustomer, shop } from "./support.ts";

/** Resolves once `count` other sessions of this database wait for a lock. */
async function waitForLockWaiters(count: number) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const r = await db.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
    );
    if (r.rows[0]!.n >= count) return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`fewer than ${count} sessions ever waited for the lock`);
}

describe("concurrent checkouts", () => {
  it("lose no update when two customers buy the same product at once", async () => {
    const mug = await shop.addProduct("MUG", 500, 10);
    const a = await newCustomer();
    const b = await newCustomer();
    await shop.addToCart(a.id, mug.id, 1);
    await shop.addToCart(b.id, mug.id, 1);
    // Hold the product's row lock from outside, so both checkouts are in flight at the same time.
    const blocker = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await blocker.connect();
    try {
      await blocker.query("begin");
      await blocker.query("select * from products where id = $1 for update", [mug.id]);
      const both = Promise.all([shop.checkout(a.id), shop.checkout(b.id)]);
      await waitForLockWaiters(2);
      await blocker.query("commit");
      await both;
    } finally {
      await blocker.end();
    }
    expect((await shop.product(mug.id))?.stock).toBe(8);
  }, 30_000); // more than vitest's 5 s: a loaded machine takes a while to get both into the lock
});

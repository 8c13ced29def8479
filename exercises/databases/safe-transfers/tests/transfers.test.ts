// Hidden tests for "safe-transfers", against the service and this grading's own PostgreSQL
// server (many connections, READ COMMITTED). Every test opens accounts of its own. The tests
// play the risk service (RISK_URL) and hold row locks from their own connection, so the
// races of a real server happen on cue, not by luck; what they check comes from the server
// (pg_stat_activity, the rows), never from the service's own records.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { balance, call, connect, holdRows, isProblem, lockWaiters, openAccount, RiskService, rowLocked, seen, transfer, until, untilLockWaiters, type Answer } from "./support.ts";

/** Per test: the machine may be busy. */
const LONG = 90_000;
const risk = new RiskService();
beforeAll(() => risk.listen());
afterAll(() => risk.close());

describe("the API", () => {
  it("accounts: 201 with Location, read back by id; 400 for bad input, 404 for an unknown account", async () => {
    const created = await call("POST", "/accounts", { owner: "ada", initial_cents: 12_345 });
    expect(created.status, `POST /accounts: ${seen(created)}`).toBe(201);
    expect(created.body, "the created account").toMatchObject({ owner: "ada", balance_cents: 12_345 });
    expect(typeof created.body.id, "the account's id is a number").toBe("number");
    expect(created.headers.get("location"), "201 names the new account in Location").toBe(`/accounts/${created.body.id}`);
    const read = await call("GET", `/accounts/${created.body.id}`);
    expect(read.status, `GET /accounts/${created.body.id}: ${seen(read)}`).toBe(200);
    expect(read.body).toEqual({ id: created.body.id, owner: "ada", balance_cents: 12_345 });

    for (const bad of [{ owner: "x", initial_cents: 10.5 }, { owner: "x", initial_cents: -1 }, { owner: "x", initial_cents: "100" }, { owner: "", initial_cents: 1 }, { initial_cents: 1 }]) {
      const a = await call("POST", "/accounts", bad);
      expect(isProblem(a, 400), `POST /accounts ${JSON.stringify(bad)}`).toBeNull();
    }
    expect(isProblem(await call("GET", "/accounts/abc"), 400), "GET /accounts/abc").toBeNull();
    expect(isProblem(await call("GET", "/accounts/987654321"), 404, "not-found"), "GET /accounts/987654321 (no such account)").toBeNull();
  }, LONG);

  it("transfers: 201 moves the money; 404 for an unknown account and 403 above the risk limit, and then nothing moves", async () => {
    const a = await openAccount(3_000_000);
    const b = await openAccount(500);
    const t = await transfer(a, b, 1_250);
    expect(t.status, `POST /transfers ${a} -> ${b}, 1250 cents: ${seen(t)}`).toBe(201);
    expect(t.body, "the transfer").toMatchObject({ from_account: a, to_account: b, amount_cents: 1_250 });
    expect(t.headers.get("location"), "201 names the transfer in Location").toBe(`/transfers/${t.body.id}`);
    expect([await balance(a), await balance(b)], "balances after the transfer").toEqual([3_000_000 - 1_250, 500 + 1_250]);

    const ghost = 987_654_321;
    expect(isProblem(await transfer(a, ghost, 100), 404, "not-found"), `a transfer to account ${ghost}, which does not exist`).toBeNull();
    expect(isProblem(await transfer(ghost, a, 100), 404, "not-found"), `a transfer from account ${ghost}, which does not exist`).toBeNull();
    expect(isProblem(await transfer(a, b, 1_000_001), 403, "transfer-refused"), "1 000 001 cents: the risk service refuses it").toBeNull();
    expect([await balance(a), await balance(b)], "nothing moved for the refused transfers").toEqual([3_000_000 - 1_250, 500 + 1_250]);
  }, LONG);

  it("amounts are positive whole cents and the accounts differ: 400 problem+json otherwise, nothing moves", async () => {
    const a = await openAccount(10_000);
    const b = await openAccount(10_000);
    const bad: [string, Record<string, unknown>][] = [
      ["10.5 cents", { from_account: a, to_account: b, amount_cents: 10.5 }],
      ["0.1 cents", { from_account: a, to_account: b, amount_cents: 0.1 }],
      ["0 cents", { from_account: a, to_account: b, amount_cents: 0 }],
      ["-500 cents", { from_account: a, to_account: b, amount_cents: -500 }],
      ['"500" (a string)', { from_account: a, to_account: b, amount_cents: "500" }],
      ["no amount", { from_account: a, to_account: b }],
      ["from and to the same account", { from_account: a, to_account: a, amount_cents: 500 }],
    ];
    for (const [what, body] of bad) {
      const r = await call("POST", "/transfers", body);
      expect(isProblem(r, 400), `POST /transfers with ${what}`).toBeNull();
    }
    expect([await balance(a), await balance(b)], "no transfer moved money").toEqual([10_000, 10_000]);
  }, LONG);

  it("insufficient funds: 422 problem+json, nothing moves", async () => {
    const a = await openAccount(1_000);
    const b = await openAccount(0);
    const r = await transfer(a, b, 1_001);
    expect(isProblem(r, [422, 409], "insufficient-funds"), `1001 cents from an account holding 1000`).toBeNull();
    expect([await balance(a), await balance(b)], "nothing moved").toEqual([1_000, 0]);
    const exact = await transfer(a, b, 1_000);
    expect(exact.status, `the whole balance (1000 of 1000 cents) can be sent: ${seen(exact)}`).toBe(201);
    expect([await balance(a), await balance(b)]).toEqual([0, 1_000]);
  }, LONG);
});

describe("the schema", () => {
  it("balance_cents is an integer column with CHECK (balance_cents >= 0)", async () => {
    const db = await connect();
    try {
      const column = (await db.query("select data_type from information_schema.columns where table_schema = 'public' and table_name = 'accounts' and column_name = 'balance_cents'")).rows[0];
      expect(column, "accounts.balance_cents exists").toBeDefined();
      expect(["bigint", "integer"], `accounts.balance_cents is ${column.data_type}: money is a whole number of cents, stored as bigint (or integer), never a floating point type`).toContain(column.data_type);
      const checks = (await db.query("select pg_get_constraintdef(oid) as definition from pg_constraint where conrelid = to_regclass('public.accounts') and contype = 'c'")).rows.map((c) => c.definition as string);
      expect(
        checks.some((d) => /balance_cents\)?\s*>=\s*0\b/i.test(d)),
        `the database itself must refuse a negative balance: add CHECK (balance_cents >= 0) to accounts in a migration (CHECK constraints on accounts now: ${JSON.stringify(checks)})`,
      ).toBe(true);
    } finally {
      await db.end();
    }
  }, LONG);
});

describe("under concurrency", () => {
  it("60 concurrent transfers conserve the money: final balances match the transfers that succeeded", async () => {
    const START = 10_000;
    const ids = await Promise.all(Array.from({ length: 5 }, () => openAccount(START)));
    const planned = Array.from({ length: 60 }, (_, i) => {
      const from = ids[i % 5]!;
      const to = ids[(i * 3 + 1 + Math.floor(i / 5)) % 5]!;
      return { from, to: to === from ? ids[(i + 2) % 5]! : to, amount: 500 + ((i * 7919) % 3500) };
    });
    const answers = await Promise.all(planned.map((p) => transfer(p.from, p.to, p.amount)));
    const expected = new Map(ids.map((id) => [id, START]));
    answers.forEach((a: Answer, i) => {
      const p = planned[i]!;
      expect([201, 409, 422], `transfer #${i + 1} (${p.from} -> ${p.to}, ${p.amount} cents) answered ${seen(a)}`).toContain(a.status);
      if (a.status === 201) {
        expected.set(p.from, expected.get(p.from)! - p.amount);
        expected.set(p.to, expected.get(p.to)! + p.amount);
      }
    });
    const ok = answers.filter((a) => a.status === 201).length;
    expect(ok, "some of the transfers succeed").toBeGreaterThan(5);
    const actual = await Promise.all(ids.map(balance));
    expect(actual.reduce((s, b) => s + b, 0), `the five accounts held ${5 * START} cents in all before ${ok} successful transfers between them; now they hold ${actual.join(" + ")}. Money appeared or vanished: lost updates`).toBe(5 * START);
    expect(actual.every((b) => b >= 0), `no balance below zero: ${actual.join(", ")}`).toBe(true);
    expect(actual, "each balance is its start plus the successful transfers in, minus the successful transfers out").toEqual(ids.map((id) => expected.get(id)));
  }, LONG);

  it("15 concurrent transfers of the whole balance: exactly one succeeds, the others get 422", async () => {
    const source = await openAccount(1_000);
    const sinks = await Promise.all(Array.from({ length: 15 }, () => openAccount(0)));
    const answers = await Promise.all(sinks.map((s) => transfer(source, s, 1_000)));
    const ok = answers.filter((a) => a.status === 201).length;
    expect(ok, `15 transfers of 1000 cents at once from an account holding 1000: successes (answers: ${answers.map((a) => a.status).join(", ")})`).toBe(1);
    for (const a of answers.filter((x) => x.status !== 201)) expect(isProblem(a, [422, 409], "insufficient-funds"), "the others").toBeNull();
    const after = await Promise.all([source, ...sinks].map(balance));
    expect(after.reduce((s, b) => s + b, 0), `total afterwards: ${after.join(" + ")}`).toBe(1_000);
    expect(after[0], "the source account is empty").toBe(0);
  }, LONG);

  it("the risk check is not awaited inside the transaction: transfers of different accounts wait for it side by side", async () => {
    // One transaction: while the credit waits for a lock the tests hold, the debit is not visible yet.
    const from = await openAccount(5_000);
    const to = await openAccount(0);
    const lock = await holdRows([to]);
    const pending = transfer(from, to, 100);
    const blocked = await untilLockWaiters(lock.db, 1);
    const seenFrom = Number((await lock.db.query("select balance_cents from accounts where id = $1", [from])).rows[0].balance_cents);
    await lock.release();
    const t = await pending;
    expect(blocked, `a transfer ${from} -> ${to} while the tests hold a lock on account ${to}: it never waited for that lock (${seen(t)})`).toBe(true);
    expect(seenFrom, `the transfer's debit of account ${from} was already committed while its credit of account ${to} still waited: no committed db.transaction() holds the two updates together. First make each transfer one transaction (db.transaction(async (tx) => …)), then keep the risk check out of it`).toBe(5_000);
    expect(t.status, `the transfer, once the lock was released: ${seen(t)}`).toBe(201);

    // While the risk service takes its time, the transfer holds no transaction open.
    const a = await openAccount(5_000);
    const b = await openAccount(0);
    const db = await connect();
    risk.hold();
    const calls = risk.calls;
    const waiting = transfer(a, b, 100);
    let open: { state: string; query: string }[] = [];
    try {
      const end = Date.now() + 20_000;
      while (risk.calls === calls && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      expect(risk.calls, `POST /transfers ${a} -> ${b} never asked the risk service at RISK_URL (${process.env.RISK_URL})`).toBeGreaterThan(calls);
      open = (await db.query("select state, query from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state like 'idle in transaction%'")).rows;
    } finally {
      risk.letGo();
      await db.end();
    }
    expect((await waiting).status, "the transfer after the risk service answered").toBe(201);
    expect(open.map((o) => o.query), `while the risk service had not answered yet, ${open.length} connection(s) sat in an open transaction (pg_stat_activity: idle in transaction). A transaction that awaits the network holds its connection and its row locks all that time, and every transfer of those accounts queues behind it: ask the risk service before the transaction begins`).toEqual([]);

    // And transfers of different accounts ask it at the same time.
    const pairs = await Promise.all(Array.from({ length: 15 }, async () => [await openAccount(5_000), await openAccount(0)] as const));
    risk.resetPeak();
    const started = Date.now();
    const answers = await Promise.all(pairs.map(([x, y]) => transfer(x, y, 100)));
    const ms = Date.now() - started;
    answers.forEach((r, i) => expect(r.status, `transfer #${i + 1}: ${seen(r)}`).toBe(201));
    expect(risk.maxInFlight, `15 transfers between 15 different pairs of accounts took ${ms} ms, with at most ${risk.maxInFlight} risk check(s) running at once: they waited in line for something`).toBeGreaterThanOrEqual(5);
  }, LONG);
});

describe("on a PostgreSQL server with many connections", () => {
  it("no lost update: two transfers from one account that meet at its row both count", async () => {
    const source = await openAccount(5_000);
    const x = await openAccount(0);
    const y = await openAccount(0);
    // Both transfers start while the tests hold the source's row: each reads (or waits) as it
    // would when another transfer commits at that moment.
    const lock = await holdRows([source]);
    const both = [transfer(source, x, 700), transfer(source, y, 300)];
    const met = await untilLockWaiters(lock.db, 2);
    await lock.release();
    const answers = await Promise.all(both);
    answers.forEach((a, i) => expect(a.status, `transfer #${i + 1} from account ${source}: ${seen(a)}`).toBe(201));
    expect(met, "the two transfers never both waited for the source account's row lock").toBe(true);
    const after = [await balance(source), await balance(x), await balance(y)];
    expect(
      after,
      `account ${source} held 5000 cents and sent 700 and 300 in two transfers that ran at the same time; balances now ${after.join(", ")}. One transfer read the balance before the other committed and then wrote its own result over it (a lost update): read the row with SELECT … FOR UPDATE inside the transaction, or let PostgreSQL compute the new value (SET balance_cents = balance_cents - $1)`,
    ).toEqual([4_000, 700, 300]);
  }, LONG);

  it("no deadlock: both directions lock the two accounts in the same order", async () => {
    const low = await openAccount(5_000);
    const high = await openAccount(5_000);
    // Both directions start while the tests hold both rows. The lower one is let go first: a
    // transfer that locks its sender first now holds it and waits for the other row, which
    // the opposite transfer (waiting for it as its own first lock) gets next.
    const lowLock = await holdRows([low]);
    const highLock = await holdRows([high]);
    const probe = await connect();
    const both = [transfer(low, high, 300), transfer(high, low, 200)];
    let met = false;
    try {
      met = await untilLockWaiters(probe, 2);
      await lowLock.release();
      met &&= await until(async () => (await rowLocked(probe, low)) && (await lockWaiters(probe)) >= 2);
    } finally {
      await lowLock.release();
      await highLock.release();
      await probe.end();
    }
    const answers = await Promise.all(both);
    expect(met, "the two transfers never both waited for a lock on the accounts").toBe(true);
    expect(
      answers.map((a) => a.status),
      `transfers ${low} -> ${high} and ${high} -> ${low} at the same time answered ${answers.map(seen).join(" and ")}. If each takes the lock of its own sender first, each then waits for the lock the other holds: a deadlock, and PostgreSQL aborts one of them (40P01). Lock in one global order, e.g. lowest id first (SELECT … ORDER BY id FOR UPDATE)`,
    ).toEqual([201, 201]);
    expect([await balance(low), await balance(high)]).toEqual([5_000 - 300 + 200, 5_000 + 300 - 200]);
  }, LONG);
});

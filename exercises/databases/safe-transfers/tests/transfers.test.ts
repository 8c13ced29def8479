// Hidden tests for "safe-transfers". Every test opens accounts of its own, so they only share
// the service's counters. The concurrency tests fire many requests at once and check the books
// afterwards; the last two read the transaction log kept by src/db.ts to check what the
// transfer would do on a PostgreSQL server with many connections, where PGlite can't show it.
import { describe, expect, it } from "vitest";
import { balance, call, isProblem, lastTransactionId, listing, openAccount, seen, transactions, transfer, transferTransaction, writesAbsoluteBalance, type Answer } from "./support.ts";

/** Per test: the machine may be busy, and PGlite runs every statement on one core. */
const LONG = 90_000;

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
    const a = await call("GET", "/__debug/schema");
    expect(a.status, `GET /__debug/schema (keep src/debug.ts): ${seen(a)}`).toBe(200);
    const column = (a.body.columns as { column_name: string; data_type: string }[]).find((c) => c.column_name === "balance_cents");
    expect(column, "accounts.balance_cents exists").toBeDefined();
    expect(["bigint", "integer"], `accounts.balance_cents is ${column!.data_type}: money is a whole number of cents, stored as bigint (or integer), never a floating point type`).toContain(column!.data_type);
    const checks = (a.body.checks as { name: string; definition: string }[]).map((c) => c.definition);
    expect(
      checks.some((d) => /balance_cents\)?\s*>=\s*0\b/i.test(d)),
      `the database itself must refuse a negative balance: add CHECK (balance_cents >= 0) to accounts in a migration (CHECK constraints on accounts now: ${JSON.stringify(checks)})`,
    ).toBe(true);
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
    const pairs = await Promise.all(Array.from({ length: 15 }, async () => [await openAccount(5_000), await openAccount(0)] as const));
    const after = await lastTransactionId();
    const started = Date.now();
    const answers = await Promise.all(pairs.map(([a, b]) => transfer(a, b, 100)));
    const ms = Date.now() - started;
    answers.forEach((a, i) => expect(a.status, `transfer #${i + 1}: ${seen(a)}`).toBe(201));
    // Without a transaction there is nothing to keep the risk check out of: no points for that.
    const moved = (await transactions()).filter((t) => t.id > after && t.outcome === "commit" && t.statements.some((s) => /\bupdate\s+accounts\b/i.test(s.sql)));
    expect(moved.length, "the 15 transfers ran in no committed db.transaction() that updates accounts: first make each transfer one transaction (db.transaction(async (tx) => …)), then keep the risk check out of it").toBeGreaterThanOrEqual(15);
    const stats = await call("GET", "/__stats");
    expect(typeof stats.body?.risk?.max_in_flight, `GET /__stats answers {"risk": {"max_in_flight": n}} (keep src/debug.ts and src/risk.ts): ${seen(stats)}`).toBe("number");
    expect(
      stats.body.risk.max_in_flight,
      `15 transfers between 15 different pairs of accounts took ${ms} ms, with at most ${stats.body.risk.max_in_flight} risk check(s) running at once. A transaction that awaits the 25 ms risk check holds the connection (and, on a real server, its row locks) all that time, so the others wait in line: ask the risk service before the transaction begins`,
    ).toBeGreaterThanOrEqual(5);
  }, LONG);
});

describe("on a PostgreSQL server with many connections", () => {
  // PGlite has one connection, and db.transaction() holds it: nothing else runs until the
  // transaction ends, so it can't show these races. A server runs each request's transaction
  // on its own connection at READ COMMITTED; src/db.ts records which accounts rows the
  // transaction had locked after each statement (PostgreSQL marks them with its xid).

  it("no lost update: a balance computed in the app is only written to a row locked before it was read (FOR UPDATE)", async () => {
    const low = await openAccount(5_000);
    const high = await openAccount(5_000);
    const after = await lastTransactionId();
    const t = await transfer(high, low, 700);
    expect(t.status, `POST /transfers ${high} -> ${low}: ${seen(t)}`).toBe(201);
    const tx = await transferTransaction(low, high, after);
    expect(tx, `no committed db.transaction() locked or changed both accounts ${low} and ${high}: the transfer's reads and writes must run in one transaction (db.transaction(async (tx) => …) with tx.query inside)`).not.toBeNull();
    let locked = new Set<number>();
    for (const s of tx!.statements) {
      const newly = s.locked.filter((id) => !locked.has(id) && (id === low || id === high));
      if (writesAbsoluteBalance(s.sql) && newly.length > 0) {
        expect.fail(
          `this UPDATE sets balance_cents to a value your code computed, on account(s) ${newly.join(", ")} that the transaction had not locked yet. On a server another transfer can commit between your SELECT and this UPDATE, and its change is overwritten (a lost update). Read the rows with SELECT … FOR UPDATE first, or let PostgreSQL compute the new value (SET balance_cents = balance_cents - $1).\nThe transaction:\n${listing(tx!)}`,
        );
      }
      locked = new Set(s.locked);
    }
  }, LONG);

  it("no deadlock: both directions lock the two accounts in the same order", async () => {
    const low = await openAccount(5_000);
    const high = await openAccount(5_000);
    const firstLock = async (from: number, to: number) => {
      const after = await lastTransactionId();
      const t = await transfer(from, to, 300);
      expect(t.status, `POST /transfers ${from} -> ${to}: ${seen(t)}`).toBe(201);
      const tx = await transferTransaction(low, high, after);
      expect(tx, `no committed db.transaction() locked or changed both accounts ${low} and ${high}: the transfer must run in one transaction`).not.toBeNull();
      const s = tx!.statements.find((st) => st.locked.includes(low) || st.locked.includes(high))!;
      const both = s.locked.includes(low) && s.locked.includes(high);
      if (both && !(/\border\s+by\b/i.test(s.sql) && /\bfor\s+(no\s+key\s+)?update\b/i.test(s.sql))) {
        expect.fail(`one statement locked both accounts at once, in whatever order PostgreSQL's scan met them: lock them with one SELECT … ORDER BY id FOR UPDATE, or one statement per account in a fixed order.\nThe transaction (${from} -> ${to}):\n${listing(tx!)}`);
      }
      return { first: both ? "both, ordered" : s.locked.includes(low) ? low : high, tx: tx! };
    };
    const forward = await firstLock(low, high);
    const backward = await firstLock(high, low);
    expect(
      backward.first,
      `a transfer ${low} -> ${high} locked ${forward.first} first, and one ${high} -> ${low} locked ${backward.first} first. On a server, those two at the same time each hold the lock the other one waits for: a deadlock, and PostgreSQL aborts one of them (40P01). Lock in one global order, e.g. lowest id first.\n${low} -> ${high}:\n${listing(forward.tx)}\n${high} -> ${low}:\n${listing(backward.tx)}`,
    ).toBe(forward.first);
  }, LONG);
});

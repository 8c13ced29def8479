import express, { type ErrorRequestHandler, type Request } from "express";
import { z } from "zod";
import { isPgError, type Db, type Queryable } from "./db.ts";
import { debugRoutes } from "./debug.ts";
import { insufficientFunds, invalid, notFound, Problem, refused, sendProblem } from "./problem.ts";
import { approve } from "./risk.ts";

type Account = { id: number; owner: string; balance_cents: number };
type Transfer = { id: number; from_account: number; to_account: number; amount_cents: number; created_at: string };

/** Whole cents only, and far below 2^53 so every sum stays an exact JavaScript number. */
const MAX_CENTS = 1_000_000_000_000;
const AccountId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const NewAccount = z.object({
  owner: z.string().trim().min(1).max(100),
  initial_cents: z.number().int().min(0).max(MAX_CENTS),
});
const NewTransfer = z
  .object({
    from_account: AccountId,
    to_account: AccountId,
    amount_cents: z.number().int().positive().max(MAX_CENTS),
  })
  .refine((t) => t.from_account !== t.to_account, { path: ["to_account"], message: "must differ from from_account" });

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (!r.success) throw invalid("Some fields are missing or wrong.", r.error.issues.map((i) => ({ field: i.path.join(".") || "(body)", message: i.message })));
  return r.data;
}

function pathId(req: Request): number {
  const raw = String(req.params.id);
  if (!/^[1-9]\d{0,15}$/.test(raw)) throw invalid(`"${raw}" is not an id: a positive integer.`);
  return Number(raw);
}

async function findAccount(db: Queryable, id: number): Promise<Account | undefined> {
  return (await db.query<Account>("select id, owner, balance_cents from accounts where id = $1", [id])).rows[0];
}

export function createApp(db: Db) {
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "10kb" }));

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.use(debugRoutes(db));

  app.post("/accounts", async (req, res) => {
    const body = parse(NewAccount, req.body);
    const { rows } = await db.query<Account>("insert into accounts (owner, balance_cents) values ($1, $2) returning id, owner, balance_cents", [body.owner, body.initial_cents]);
    res.status(201).location(`/accounts/${rows[0]!.id}`).json(rows[0]);
  });

  app.get("/accounts/:id", async (req, res) => {
    const account = await findAccount(db, pathId(req));
    if (!account) throw notFound(`There is no account ${req.params.id}.`);
    res.json(account);
  });

  app.post("/transfers", async (req, res) => {
    const body = parse(NewTransfer, req.body);
    // Ask the risk service before the transaction, not inside it: a transaction that waits on
    // the network keeps its row locks (and, with a pool, its connection) for that long, and
    // every other transfer touching these accounts queues behind it.
    if (!(await approve(body))) throw refused("The risk service refused this transfer.");

    const transfer = await db.transaction(async (tx) => {
      // Lock both rows before reading their balances, lowest id first (ORDER BY id): on a real
      // PostgreSQL a concurrent transfer of the same accounts waits here until we commit and
      // then reads the new balances (no lost update), and two opposite transfers (A to B, B to
      // A) queue in the same order instead of each holding the lock the other one needs.
      const { rows } = await tx.query<Account>("select id, balance_cents from accounts where id = any($1::bigint[]) order by id for update", [[body.from_account, body.to_account]]);
      const from = rows.find((a) => a.id === body.from_account);
      if (!from) throw notFound(`There is no account ${body.from_account}.`);
      if (from.balance_cents < body.amount_cents) throw insufficientFunds(`Account ${from.id} has ${from.balance_cents} cents, the transfer needs ${body.amount_cents}.`);
      // Relative updates: correct even if someone forgets the lock above one day; the CHECK
      // constraint then still refuses an overdraft (23514, answered as 422 below).
      await tx.query("update accounts set balance_cents = balance_cents - $2 where id = $1", [from.id, body.amount_cents]);
      await tx.query("update accounts set balance_cents = balance_cents + $2 where id = $1", [body.to_account, body.amount_cents]);
      const inserted = await tx.query<Transfer>(
        "insert into transfers (from_account, to_account, amount_cents) values ($1, $2, $3) returning id, from_account, to_account, amount_cents, created_at",
        [from.id, body.to_account, body.amount_cents],
      );
      return inserted.rows[0]!;
    });
    res.status(201).location(`/transfers/${transfer.id}`).json(transfer);
  });

  app.get("/transfers/:id", async (req, res) => {
    const { rows } = await db.query<Transfer>("select id, from_account, to_account, amount_cents, created_at from transfers where id = $1", [pathId(req)]);
    if (!rows[0]) throw notFound(`There is no transfer ${req.params.id}.`);
    res.json(rows[0]);
  });

  app.use(() => {
    throw notFound("No such route.");
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof Problem) return sendProblem(res, err);
    if (isPgError(err, "23514") && err.constraint === "accounts_balance_non_negative") return sendProblem(res, insufficientFunds("The account does not have enough money for this transfer."));
    if ((err as { type?: string }).type === "entity.parse.failed") return sendProblem(res, invalid("The body is not valid JSON."));
    console.error(err);
    sendProblem(res, new Problem(500, "internal-error", "Internal error", "Something went wrong on our side."));
  };
  app.use(onError);
  return app;
}

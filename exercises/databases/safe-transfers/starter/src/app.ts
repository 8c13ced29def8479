import express, { type ErrorRequestHandler, type Request } from "express";
import { z } from "zod";
import type { Db, Queryable } from "./db.ts";
import { debugRoutes } from "./debug.ts";
import { insufficientFunds, invalid, notFound, Problem, refused, sendProblem } from "./problem.ts";
import { approve } from "./risk.ts";

type Account = { id: number; owner: string; balance_cents: number };
type Transfer = { id: number; from_account: number; to_account: number; amount_cents: number; created_at: string };

const AccountId = z.number().int().positive();
const NewAccount = z.object({
  owner: z.string().trim().min(1).max(100),
  initial_cents: z.number().min(0),
});
const NewTransfer = z.object({
  from_account: AccountId,
  to_account: AccountId,
  amount_cents: z.number().positive(),
});

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

  // TODO: two transfers at the same time can both read the same balance, and the second
  // write wins: money appears or disappears, and accounts can be overdrawn.
  app.post("/transfers", async (req, res) => {
    const body = parse(NewTransfer, req.body);
    const from = await findAccount(db, body.from_account);
    const to = await findAccount(db, body.to_account);
    if (!from) throw notFound(`There is no account ${body.from_account}.`);
    if (!to) throw notFound(`There is no account ${body.to_account}.`);
    if (from.balance_cents < body.amount_cents) throw insufficientFunds(`Account ${from.id} has ${from.balance_cents} cents, the transfer needs ${body.amount_cents}.`);
    if (!(await approve(body))) throw refused("The risk service refused this transfer.");

    await db.query("update accounts set balance_cents = $1 where id = $2", [from.balance_cents - body.amount_cents, from.id]);
    await db.query("update accounts set balance_cents = $1 where id = $2", [to.balance_cents + body.amount_cents, to.id]);
    const { rows } = await db.query<Transfer>(
      "insert into transfers (from_account, to_account, amount_cents) values ($1, $2, $3) returning id, from_account, to_account, amount_cents, created_at",
      [from.id, to.id, body.amount_cents],
    );
    res.status(201).location(`/transfers/${rows[0]!.id}`).json(rows[0]);
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
    if ((err as { type?: string }).type === "entity.parse.failed") return sendProblem(res, invalid("The body is not valid JSON."));
    console.error(err);
    sendProblem(res, new Problem(500, "internal-error", "Internal error", "Something went wrong on our side."));
  };
  app.use(onError);
  return app;
}

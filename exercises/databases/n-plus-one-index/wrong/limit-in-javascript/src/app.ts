import express, { type ErrorRequestHandler, type Request } from "express";
import { z } from "zod";
import { isPgError, type Db } from "./db.ts";
import { debugRoutes } from "./debug.ts";
import { invalid, notFound, Problem, sendProblem } from "./problem.ts";

type OrderRow = { id: number; status: string; created_at: Date };
type Line = { product_id: number; product_name: string; quantity: number; unit_price_cents: number };

const NewCustomer = z.object({ name: z.string().trim().min(1).max(100), email: z.email().max(200) });
const NewOrder = z.object({
  customer_id: z.number().int().positive(),
  items: z
    .array(z.object({ product_id: z.number().int().positive(), quantity: z.number().int().min(1).max(100) }))
    .min(1)
    .max(50),
});
const Limit = z.coerce.number().int().min(1).max(100).default(20);

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalid("Some fields are missing or wrong.", r.error.issues.map((i) => ({ field: i.path.join(".") || "(body)", message: i.message })));
  return r.data;
}

function pathId(req: Request): number {
  const raw = String(req.params.id);
  if (!/^[1-9]\d{0,15}$/.test(raw)) throw invalid(`"${raw}" is not an id: a positive integer.`);
  return Number(raw);
}

export function createApp(db: Db) {
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "20kb" }));

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.use(debugRoutes(db));

  app.post("/customers", async (req, res) => {
    const body = parse(NewCustomer, req.body);
    try {
      const { rows } = await db.query<{ id: number }>("insert into customers (name, email) values ($1, $2) returning id, name, email", [body.name, body.email]);
      res.status(201).location(`/customers/${rows[0]!.id}`).json(rows[0]);
    } catch (err) {
      if (isPgError(err, "23505")) throw new Problem(409, "email-taken", "Email already registered", `There is already a customer with the email ${body.email}.`);
      throw err;
    }
  });

  app.post("/orders", async (req, res) => {
    const body = parse(NewOrder, req.body);
    const order = await db.transaction(async (tx) => {
      const customer = await tx.query("select id from customers where id = $1", [body.customer_id]);
      if (!customer.rows[0]) throw notFound(`There is no customer ${body.customer_id}.`);
      const ids = [...new Set(body.items.map((i) => i.product_id))];
      const products = await tx.query<{ id: number; name: string; price_cents: number }>("select id, name, price_cents from products where id = any($1::bigint[])", [ids]);
      const byId = new Map(products.rows.map((p) => [p.id, p]));
      const missing = ids.filter((id) => !byId.has(id));
      if (missing.length) throw notFound(`There is no product ${missing.join(", ")}.`);
      const created = (await tx.query<OrderRow>("insert into orders (customer_id) values ($1) returning id, status, created_at", [body.customer_id])).rows[0]!;
      // One INSERT for all the items: unnest() turns the arrays into rows.
      await tx.query(
        "insert into order_items (order_id, product_id, quantity, unit_price_cents) select $1, * from unnest($2::bigint[], $3::int[], $4::bigint[])",
        [created.id, body.items.map((i) => i.product_id), body.items.map((i) => i.quantity), body.items.map((i) => byId.get(i.product_id)!.price_cents)],
      );
      const items: Line[] = body.items.map((i) => ({ product_id: i.product_id, product_name: byId.get(i.product_id)!.name, quantity: i.quantity, unit_price_cents: byId.get(i.product_id)!.price_cents }));
      return { ...created, customer_id: body.customer_id, total_cents: total(items), items };
    });
    res.status(201).json(order);
  });

  // The page "my orders": a customer's latest orders, newest first, with their items.
  // Three queries whatever the number of orders: the customer, the orders (through the
  // (customer_id, created_at) index), then every item of those orders with its product name
  // in one batch (order_id = ANY, through the order_items (order_id) index).
  app.get("/customers/:id/orders", async (req, res) => {
    const id = pathId(req);
    const limit = parse(Limit, req.query.limit);
    const customer = await db.query("select id from customers where id = $1", [id]);
    if (!customer.rows[0]) throw notFound(`There is no customer ${id}.`);

    const orders = await db.query<OrderRow>("select id, status, created_at from orders where customer_id = $1 order by created_at desc", [id]);
    orders.rows.splice(limit);
    const items = await db.query<Line & { order_id: number }>(
      `select oi.order_id, oi.product_id, p.name as product_name, oi.quantity, oi.unit_price_cents
         from order_items oi join products p on p.id = oi.product_id
        where oi.order_id = any($1::bigint[])
        order by oi.order_id, oi.id`,
      [orders.rows.map((o) => o.id)],
    );
    const linesByOrder = new Map<number, Line[]>();
    for (const { order_id, ...line } of items.rows) {
      const lines = linesByOrder.get(order_id) ?? [];
      lines.push(line);
      linesByOrder.set(order_id, lines);
    }
    const result = orders.rows.map((o) => {
      const lines = linesByOrder.get(o.id) ?? [];
      return { id: o.id, status: o.status, created_at: o.created_at, total_cents: total(lines), items: lines };
    });
    res.json({ customer_id: id, orders: result });
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

function total(lines: { quantity: number; unit_price_cents: number }[]): number {
  return lines.reduce((sum, l) => sum + l.quantity * l.unit_price_cents, 0);
}

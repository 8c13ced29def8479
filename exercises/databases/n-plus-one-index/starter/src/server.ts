import { createApp } from "./app.ts";
import { Db } from "./db.ts";
import { migrate } from "./migrate.ts";
import { seed } from "./seed.ts";

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

const started = Date.now();
const db = await Db.open();
const applied = await migrate(db);
await seed(db);
createApp(db).listen(port, host, (err?: Error) => {
  if (err) throw err;
  console.log(`shop API on http://${host}:${port} (PostgreSQL ready and seeded in ${Date.now() - started} ms; migrations: ${applied.join(", ") || "none"})`);
});

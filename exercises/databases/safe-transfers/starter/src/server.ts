import { createApp } from "./app.ts";
import { Db } from "./db.ts";
import { migrate } from "./migrate.ts";

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

const started = Date.now();
const db = await Db.open();
const applied = await migrate(db);
createApp(db).listen(port, host, (err?: Error) => {
  if (err) throw err;
  console.log(`transfers API on http://${host}:${port} (PostgreSQL ready in ${Date.now() - started} ms; migrations: ${applied.join(", ") || "none"})`);
});

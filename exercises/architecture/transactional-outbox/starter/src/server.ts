import { createApp } from "./app.ts";
import { config } from "./config.ts";
import { openDb } from "./db.ts";

const db = await openDb(config.dataDir);

createApp(db).listen(config.port, config.host, (err?: Error) => {
  if (err) throw err;
  console.log(`orders service on http://${config.host}:${config.port}, events to ${config.downstreamUrl}`);
});

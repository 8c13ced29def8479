import { createApp } from "./app.ts";
import { config } from "./config.ts";
import { openDb } from "./db.ts";
import { startRelay } from "./relay.ts";

const db = await openDb(config.dataDir);
const relay = startRelay(db);

const server = createApp(db).listen(config.port, config.host, (err?: Error) => {
  if (err) throw err;
  console.log(`orders service on http://${config.host}:${config.port}, events to ${config.downstreamUrl}`);
});

// A deploy stops the relay between deliveries and closes the database cleanly. A crash does
// neither, and loses nothing: the outbox still holds what was not acknowledged.
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  server.close();
  await relay.stop();
  await db.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

import { createApp, type Lifecycle } from "./app.ts";
import { Store } from "./store.ts";

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

const store = Store.open(process.env.STORE_FILE ?? "data/store.log");
const lifecycle: Lifecycle = { shuttingDown: false };

// Background work: the store's buffer reaches the disk every 200 ms.
setInterval(() => store.flush(), 200);

createApp(store, lifecycle).listen(port, host, (err?: Error) => {
  if (err) throw err;
  console.log(`listening on http://${host}:${port} (previous shutdown: ${store.previousShutdown})`);
});

// TODO: shut down gracefully on SIGTERM and SIGINT (see README.md). Today the process
// simply dies: requests in flight are cut off and the store's buffer is lost.

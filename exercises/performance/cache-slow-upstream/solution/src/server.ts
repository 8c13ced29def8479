import { createApp } from "./app.ts";
import { config } from "./config.ts";

createApp().listen(config.port, config.host, (err?: Error) => {
  if (err) throw err;
  console.log(`product API listening on http://${config.host}:${config.port} (cache TTL ${config.cacheTtlMs} ms, at most ${config.cacheMaxEntries} entries)`);
});

import { createApp } from "./app.ts";
import { config } from "./config.ts";

const app = await createApp();
app.listen(config.port, config.host, (err?: Error) => {
  if (err) throw err;
  console.log(`quote API listening on http://${config.host}:${config.port} (${config.limit} requests per ${config.windowMs} ms per key)`);
});

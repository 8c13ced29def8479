import { createApp } from "./app.ts";
import { startCatalogLoader } from "./catalog.ts";
import { logger } from "./observability/logger.ts";

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

startCatalogLoader();
createApp().listen(port, host, (err?: Error) => {
  if (err) throw err;
  logger.info("orders API listening", { url: `http://${host}:${port}` });
});

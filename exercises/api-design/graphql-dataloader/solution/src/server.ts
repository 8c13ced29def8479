import { createApp } from "./app.ts";
import { config } from "./config.ts";

createApp({ introspection: config.introspection }).listen(config.port, config.host, (err?: Error) => {
  if (err) throw err;
  console.log(`GraphQL API listening on http://${config.host}:${config.port}/graphql (introspection ${config.introspection ? "on" : "off"})`);
});

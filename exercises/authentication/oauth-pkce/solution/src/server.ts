import { createApp } from "./app.ts";
import { HOST, PORT } from "./config.ts";

createApp().listen(PORT, HOST, (err?: Error) => {
  if (err) throw err;
  console.log(`authorization server listening on http://${HOST}:${PORT}`);
});

/** Terminal recordings (asciicast v2, replayed in the page): types only, from the route schemas. */
import type { z } from "zod";
import type { RecordingOut } from "../terminal/routes.ts";

/** Times are ISO strings; `endReason` says why the session ended (exited, idle, the lab restarted…). */
export type Recording = z.infer<typeof RecordingOut>;

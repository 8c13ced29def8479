import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Database } from "../db/database.ts";
import { notFound } from "../errors.ts";
import { owner, route, type Route } from "../http/routes.ts";
import type { Workspaces } from "../workspaces/service.ts";
import { readRecording, Recorder } from "./recorder.ts";

const ByWorkspace = {
  params: z.object({
    id: z.coerce
      .number()
      .int()
      .positive()
      .max(2 ** 31),
  }),
};
const ByRecording = { params: z.object({ id: z.uuid() }) };

type Row = {
  id: string;
  workspace_id: number;
  user_id: number;
  started_at: string;
  ended_at: string | null;
  end_reason: string | null;
  bytes: number;
  truncated: number;
};

export const RecordingOut = z.object({
  id: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  endReason: z.string().nullable(),
  bytes: z.number(),
  truncated: z.boolean(),
});

type Deps = { db: Database; workspaces: Workspaces; recordingsDir: string };

/** Recordings and the terminal upgrade. The learner replays their own sessions; instructors and admins anyone's. */
export function terminalRoutes(deps: Deps): Route[] {
  const workspaceOwner = (id: number) =>
    deps.db.get<{ user_id: number }>("SELECT user_id FROM workspaces WHERE id = ?", [id])?.user_id;
  return [
    {
      method: "get",
      path: "/workspaces/:id/terminal",
      summary: "Attach to the workspace's terminal (WebSocket; the owner writes, `?mode=observe` reads only)",
      tag: "terminal",
      // The gateway (gateway.ts) enforces this itself on the upgrade, plus the Origin check;
      // staff may only observe, and only a live session.
      auth: owner("workspace", { staff: ["instructor", "admin"] }),
      // A candidate's shell is their assessment's; the access policy decides when it closes.
      candidates: true,
      upgrade: true,
    },
    route({
      method: "get",
      path: "/workspaces/:id/recordings",
      summary: "The workspace's terminal recordings, newest first",
      tag: "terminal",
      auth: owner("workspace", { staff: ["instructor", "admin"] }),
      ownerOf: (i) => workspaceOwner(i.params.id),
      input: ByWorkspace,
      response: z.object({ recordings: z.array(RecordingOut) }),
      handler: ({ input }) => {
        const rows = deps.db.all<Row>(
          "SELECT * FROM terminal_sessions WHERE workspace_id = ? ORDER BY started_at DESC LIMIT 100",
          [input.params.id],
        );
        return {
          recordings: rows.map((row) => ({
            id: row.id,
            startedAt: row.started_at,
            endedAt: row.ended_at,
            endReason: row.end_reason,
            bytes:
              row.ended_at === null
                ? (Recorder.liveBytes(path.join(deps.recordingsDir, `${row.id}.cast.gz`)) ?? row.bytes)
                : row.bytes,
            truncated: row.truncated === 1,
          })),
        };
      },
    }),
    route({
      method: "get",
      path: "/recordings/:id",
      summary: "One recording (asciicast v2), also while it is being written",
      tag: "terminal",
      auth: owner("recording", { staff: ["instructor", "admin"] }),
      ownerOf: (i) =>
        deps.db.get<{ user_id: number }>("SELECT user_id FROM terminal_sessions WHERE id = ?", [i.params.id])?.user_id,
      input: ByRecording,
      produces: "application/x-asciicast",
      handler: ({ input, res }) => {
        const file = path.join(deps.recordingsDir, `${input.params.id}.cast.gz`);
        if (!fs.existsSync(file)) throw notFound("The recording");
        res.type("application/x-asciicast");
        const stream = readRecording(file);
        stream.on("error", () => res.end());
        stream.pipe(res);
      },
    }),
  ];
}

import fs from "node:fs";
import path from "node:path";
import { Router } from "express";
import { z } from "zod";
import type { Database } from "../db/database.ts";
import { notFound } from "../errors.ts";
import { currentUser, requireUser } from "../http/guards.ts";
import { input, validate } from "../http/validate.ts";
import type { Workspaces } from "../workspaces/service.ts";
import { readRecording } from "./recorder.ts";
import type { User } from "../accounts/schema.ts";

const ByWorkspace = { params: z.object({ id: z.coerce.number().int().positive().max(2 ** 31) }) };
const ByRecording = { params: z.object({ id: z.uuid() }) };

type Row = { id: string; workspace_id: number; user_id: number; started_at: string; ended_at: string | null; end_reason: string | null; bytes: number; truncated: number };

/** The learner replays their own sessions; instructors and admins may replay anyone's. */
const mayReplay = (user: User, ownerId: number) => user.id === ownerId || user.role === "instructor" || user.role === "admin";

export function recordingsRouter(deps: { db: Database; workspaces: Workspaces; recordingsDir: string }): Router {
  const r = Router();
  r.use(["/workspaces", "/recordings"], requireUser);

  r.get("/workspaces/:id/recordings", validate(ByWorkspace), (_req, res) => {
    const ws = deps.workspaces.get(input(res, ByWorkspace).params.id);
    if (!mayReplay(currentUser(res), ws.userId)) throw notFound("The workspace");
    const rows = deps.db.all<Row>("SELECT * FROM terminal_sessions WHERE workspace_id = ? ORDER BY started_at DESC LIMIT 100", [ws.id]);
    res.json({
      recordings: rows.map((row) => ({ id: row.id, startedAt: row.started_at, endedAt: row.ended_at, endReason: row.end_reason, bytes: row.bytes, truncated: row.truncated === 1 })),
    });
  });

  r.get("/recordings/:id", validate(ByRecording), (_req, res) => {
    const { id } = input(res, ByRecording).params;
    const row = deps.db.get<Row>("SELECT * FROM terminal_sessions WHERE id = ?", [id]);
    if (!row || !mayReplay(currentUser(res), row.user_id)) throw notFound("The recording");
    const file = path.join(deps.recordingsDir, `${row.id}.cast.gz`);
    if (!fs.existsSync(file)) throw notFound("The recording");
    res.type("application/x-asciicast");
    const stream = readRecording(file);
    stream.on("error", () => res.end());
    stream.pipe(res);
  });

  return r;
}

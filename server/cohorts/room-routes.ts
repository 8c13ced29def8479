import { z } from "zod";
import type { Database } from "../db/database.ts";
import { notFound } from "../errors.ts";
import { Slug } from "../../graders/exercise/schema.ts";
import { owner, route, type Route } from "../http/routes.ts";
import { WorkspacePath } from "../workspaces/paths.ts";
import type { Workspaces } from "../workspaces/service.ts";
import { WorkspaceFiles } from "../workspaces/workspace-files.ts";
import { cohortExport, gradebookCsv, resultsCsv } from "./exports.ts";
import type { Workshops } from "./feature.ts";
import { BroadcastBody, CohortId, ExportQuery, HandAction, TakeoverBody } from "./schema.ts";
import { roomHears, streamCohort } from "./sse.ts";

const ById = { params: z.object({ id: CohortId }) };
const Id = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 31);
const ByCell = { params: z.object({ id: CohortId, userId: Id, exerciseId: Slug }) };
const HandOut = z.looseObject({
  id: z.number().int(),
  userId: z.number().int(),
  message: z.string(),
  resolvedAt: z.string().nullable(),
});
const TakeoverOut = z.looseObject({
  id: z.number().int(),
  state: z.enum(["requested", "active", "declined", "ended"]),
});
const RowOut = z.looseObject({
  userId: z.number().int(),
  cells: z.array(z.looseObject({ exerciseId: z.string() })),
  needsHelp: z.array(z.looseObject({ kind: z.string() })),
});

type Deps = { db: Database; workspaces: Workspaces };

/**
 * The instructor's side of a live cohort: the room (grid + live events), a cell's detail and
 * read-only code, the hand queue, broadcasts, take-over requests and exports. Same rule as
 * the cohort itself: its instructors and admins; anyone else a 404.
 */
export function roomRoutes(w: Workshops, deps: Deps): Route[] {
  const auth = owner("cohort", { staff: ["admin"] });
  const ownerOf = (i: { params: { id: number } }) => w.cohorts.instructorIds(i.params.id);
  /** A member's workspace for a track exercise, or 404 (not a member, not in the track, never opened). */
  const memberWorkspace = (cohortId: number, userId: number, exerciseId: string) => {
    if (!w.cohorts.isMember(cohortId, userId) || !w.cohorts.track(cohortId).some((t) => t.exerciseId === exerciseId))
      throw notFound("The member's exercise");
    const row = deps.db.get<{ id: number }>("SELECT id FROM workspaces WHERE user_id = ? AND exercise_id = ?", [
      userId,
      exerciseId,
    ]);
    if (!row) throw notFound("The member's workspace");
    return deps.workspaces.get(row.id);
  };

  return [
    route({
      method: "get",
      path: "/cohorts/:id/room",
      summary:
        "The live room: learner × exercise (status, best score, attempts, last activity), needs-help signals with evidence, the hand queue",
      tag: "cohorts",
      auth,
      ownerOf,
      input: ById,
      response: z.looseObject({ rows: z.array(RowOut), hands: z.array(HandOut) }),
      handler: ({ input }) => w.room.view(input.params.id),
    }),
    route({
      method: "get",
      path: "/cohorts/:id/room/events",
      summary:
        "The room's live updates as server-sent events: rows, hands, pacing, broadcasts, take-overs (and the whole room every 10 s)",
      tag: "cohorts",
      auth,
      ownerOf,
      input: ById,
      produces: "text/event-stream",
      handler: ({ input, req, res }) => {
        const id = input.params.id;
        streamCohort(w.cohorts, id, req, res, roomHears, [{ type: "room", room: w.room.view(id) }]);
        // Idle signals and live terminals change without an event of their own.
        const tick = setInterval(
          () => res.write(`event: room\ndata: ${JSON.stringify({ type: "room", room: w.room.view(id) })}\n\n`),
          10_000,
        );
        req.on("close", () => clearInterval(tick));
      },
    }),
    route({
      method: "get",
      path: "/cohorts/:id/members/:userId/exercises/:exerciseId",
      summary:
        "A room cell: the member's latest submissions with results, their workspace (for the observer terminal and recordings) and its files",
      tag: "cohorts",
      auth,
      ownerOf,
      input: ByCell,
      response: z.looseObject({
        workspaceId: z.number().int(),
        submissions: z.array(z.looseObject({ id: z.number().int() })),
        files: z.array(z.looseObject({ path: z.string() })),
      }),
      handler: ({ input }) => {
        const { id, userId, exerciseId } = input.params;
        const ws = memberWorkspace(id, userId, exerciseId);
        return {
          workspaceId: ws.id,
          submissions: w.deps.grading.list(userId, exerciseId, 10),
          files: new WorkspaceFiles(ws).list().entries,
        };
      },
    }),
    route({
      method: "get",
      path: "/cohorts/:id/members/:userId/exercises/:exerciseId/file",
      summary: "One file of a member's workspace, read-only",
      tag: "cohorts",
      auth,
      ownerOf,
      input: { ...ByCell, query: z.object({ path: WorkspacePath }).strict() },
      response: z.object({ file: z.looseObject({ path: z.string(), content: z.string() }) }),
      handler: ({ input }) => {
        const { id, userId, exerciseId } = input.params;
        return { file: new WorkspaceFiles(memberWorkspace(id, userId, exerciseId)).read(input.query.path) };
      },
    }),
    route({
      method: "post",
      path: "/cohorts/:id/hands/:handId",
      summary: "Acknowledge or resolve a raised hand",
      tag: "cohorts",
      auth,
      ownerOf,
      input: { params: z.object({ id: CohortId, handId: Id }), body: HandAction },
      response: z.object({ hand: HandOut }),
      handler: ({ input, me }) => ({
        hand: w.desk.act(input.params.id, input.params.handId, me.id, input.body.action),
      }),
    }),
    route({
      method: "post",
      path: "/cohorts/:id/broadcasts",
      summary: "A plain-text message shown at once as a banner to every member (no HTML, at most 500 characters)",
      tag: "cohorts",
      auth,
      ownerOf,
      input: { ...ById, body: BroadcastBody },
      status: 201,
      response: z.object({ broadcast: z.looseObject({ id: z.number().int(), text: z.string() }) }),
      handler: ({ input, me }) => ({ broadcast: w.desk.broadcast(input.params.id, me, input.body.text) }),
    }),
    route({
      method: "post",
      path: "/cohorts/:id/takeovers",
      summary: "Ask a member to let you type into their terminal; nothing is writable until they accept",
      tag: "cohorts",
      auth,
      ownerOf,
      input: { ...ById, body: TakeoverBody },
      status: 201,
      response: z.object({ takeover: TakeoverOut }),
      handler: ({ input, me }) => ({
        takeover: w.desk.requestTakeover(input.params.id, me, input.body.userId, input.body.exerciseId),
      }),
    }),
    route({
      method: "post",
      path: "/cohorts/:id/takeovers/:takeoverId/end",
      summary: "End a take-over (the instructor's writer socket is closed)",
      tag: "cohorts",
      auth,
      ownerOf,
      input: { params: z.object({ id: CohortId, takeoverId: Id }), body: z.object({}).strict() },
      response: z.object({ takeover: TakeoverOut }),
      handler: ({ input, me }) => ({ takeover: w.desk.endTakeover(input.params.id, input.params.takeoverId, me.id) }),
    }),
    route({
      method: "get",
      path: "/cohorts/:id/audit",
      summary: "The cohort's audit log (take-overs, retention)",
      tag: "cohorts",
      auth,
      ownerOf,
      input: ById,
      response: z.object({ entries: z.array(z.looseObject({ action: z.string() })) }),
      handler: ({ input }) => ({ entries: w.desk.auditOf(input.params.id) }),
    }),
    route({
      method: "get",
      path: "/cohorts/:id/export",
      scope: "cohorts:read",
      summary:
        "Results: `csv` (a row per learner × exercise), `gradebook` (a row per learner, a column per exercise, a points-possible row) or `json`",
      tag: "cohorts",
      auth,
      ownerOf,
      input: { ...ById, query: ExportQuery },
      produces: "text/csv",
      handler: ({ input, res }) => {
        const x = cohortExport(deps.db, w.deps.catalog, w.cohorts, input.params.id);
        const base = `cohort-${x.cohort.id}`;
        if (input.query.format === "json") {
          res.setHeader("Content-Disposition", `attachment; filename="${base}.json"`);
          res.json(x);
          return;
        }
        const csv = input.query.format === "csv" ? resultsCsv(x) : gradebookCsv(x);
        res.setHeader(
          "Content-Disposition",
          `attachment; filename="${base}-${input.query.format === "csv" ? "results" : "gradebook"}.csv"`,
        );
        res.type("text/csv; charset=utf-8").send(csv);
      },
    }),
  ];
}

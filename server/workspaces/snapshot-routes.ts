import { z } from "zod";
import type { Catalog } from "../../graders/exercise/catalog.ts";
import type { AccessPolicy } from "../access/policy.ts";
import type { User } from "../accounts/schema.ts";
import type { AuditLog } from "../audit/service.ts";
import type { Database } from "../db/database.ts";
import { notFound } from "../errors.ts";
import { rateLimit } from "../http/guards.ts";
import { owner, route, type Route } from "../http/routes.ts";
import type { Workspaces } from "./service.ts";
import { WorkspaceSnapshots } from "./snapshots.ts";

const Id = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 31);
const ById = { params: z.object({ id: Id }) };
const BySnapshot = { params: z.object({ id: Id, snapshot: Id }) };

export const SnapshotOut = z.object({
  id: z.number().int(),
  reason: z.enum(["reset", "restore"]),
  files: z.number().int(),
  bytes: z.number().int(),
  createdAt: z.string(),
});
/** A reset must say so: a stray POST never wipes a learner's work. */
export const ResetBody = z
  .object({ confirm: z.literal("reset", { error: 'send {"confirm": "reset"} to reset the workspace' }) })
  .strict();

type Deps = {
  db: Database;
  workspaces: Workspaces;
  catalog: Catalog;
  policy: AccessPolicy;
  audit: AuditLog;
  config: { dataDir: string };
};

/** Resetting a workspace to the starter, and the snapshots that keep what was there. */
export function snapshotRoutes(deps: Deps): Route[] {
  const snapshots = new WorkspaceSnapshots(deps.db, deps.config.dataDir, deps.workspaces);
  snapshots.sweep();
  const workspaceOwner = (i: { params: { id: number } }) =>
    deps.db.get<{ user_id: number }>("SELECT user_id FROM workspaces WHERE id = ?", [i.params.id])?.user_id;
  const auth = owner("workspace");
  const open = (id: number, me: User, how: "files" | "edit") => {
    const ws = deps.workspaces.get(id);
    deps.policy.check(me, ws.exerciseId, "files");
    if (how === "edit") deps.policy.check(me, ws.exerciseId, "edit");
    return ws;
  };
  // Each one copies a whole workspace twice: a few a minute are plenty.
  const perUser = rateLimit({ windowMs: 60_000, max: 10, key: (_req, res) => `snapshots:${res.locals.user?.id}` });

  return [
    route({
      method: "post",
      path: "/workspaces/:id/reset",
      summary: "Put the starter files back; the current files are kept as a snapshot first",
      tag: "workspaces",
      auth,
      ownerOf: workspaceOwner,
      before: [perUser],
      input: { ...ById, body: ResetBody },
      response: z.object({ snapshot: SnapshotOut }),
      handler: ({ input, me, req }) => {
        const ws = open(input.params.id, me, "edit");
        const exercise = deps.catalog.exercises.get(ws.exerciseId);
        if (!exercise) throw notFound(`The exercise "${ws.exerciseId}"`);
        const snapshot = snapshots.reset(ws, exercise);
        deps.audit.record({
          actorId: me.id,
          action: "workspace.reset",
          target: { kind: "workspace", id: ws.id },
          details: { exercise: ws.exerciseId, snapshot: snapshot.id },
          ip: req.ip,
        });
        return { snapshot };
      },
    }),
    route({
      method: "get",
      path: "/workspaces/:id/snapshots",
      summary: "The workspace's snapshots (kept at each reset or restore), newest first",
      tag: "workspaces",
      auth,
      ownerOf: workspaceOwner,
      input: ById,
      response: z.object({ snapshots: z.array(SnapshotOut) }),
      handler: ({ input, me }) => ({ snapshots: snapshots.list(open(input.params.id, me, "files").id) }),
    }),
    route({
      method: "post",
      path: "/workspaces/:id/snapshots/:snapshot/restore",
      summary: "Put a snapshot's files back; the current files are kept as a snapshot first",
      tag: "workspaces",
      auth,
      ownerOf: workspaceOwner,
      before: [perUser],
      input: { ...BySnapshot, body: z.object({}).strict() },
      response: z.object({ snapshot: SnapshotOut }),
      handler: ({ input, me, req }) => {
        const ws = open(input.params.id, me, "edit");
        const snapshot = snapshots.restore(ws, input.params.snapshot);
        deps.audit.record({
          actorId: me.id,
          action: "workspace.restore",
          target: { kind: "workspace", id: ws.id },
          details: { exercise: ws.exerciseId, restored: input.params.snapshot, snapshot: snapshot.id },
          ip: req.ip,
        });
        return { snapshot };
      },
    }),
    route({
      method: "get",
      path: "/workspaces/:id/snapshots/:snapshot/archive",
      summary: "Download a snapshot's files as a tar",
      tag: "workspaces",
      auth,
      ownerOf: workspaceOwner,
      input: BySnapshot,
      produces: "application/x-tar",
      handler: ({ input, me, res }) => {
        const ws = open(input.params.id, me, "files");
        const { name, tar } = snapshots.archive(ws, input.params.snapshot);
        res.type("application/x-tar");
        res.setHeader("Content-Disposition", `attachment; filename="${name}.tar"`);
        res.setHeader("Cache-Control", "no-store");
        res.end(tar);
      },
    }),
  ];
}

import { z } from "zod";
import type { AccessPolicy } from "../access/policy.ts";
import type { User } from "../accounts/schema.ts";
import type { Accounts } from "../accounts/service.ts";
import type { Database } from "../db/database.ts";
import { owner, route, type Route } from "../http/routes.ts";
import { WorkspacePath } from "./paths.ts";
import type { Workspaces } from "./service.ts";
import { WorkspaceWatcher } from "./watch.ts";
import { FILE_LIMITS, WorkspaceFiles } from "./workspace-files.ts";

const WorkspaceId = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 31);
const ById = { params: z.object({ id: WorkspaceId }) };
const ByPath = { params: z.object({ id: WorkspaceId }), query: z.object({ path: WorkspacePath }).strict() };
/** An entity tag as RFC 9110 spells it; lists of them are split by the service. */
const ETagList = z
  .string()
  .max(2000)
  .regex(
    /^\s*(W\/)?"[\x21\x23-\x7e]*"(\s*,\s*(W\/)?"[\x21\x23-\x7e]*")*\s*$/,
    'use one or more quoted entity tags, e.g. "abc"',
  );
/**
 * Content is text. Its UTF-8 size is checked by the service against the editor's limit (a
 * 413 that names the limit); this bound only matches the route's 2 MB body limit.
 */
const Content = z.string().max(2 * 1024 * 1024);

export const EntryOut = z.object({
  path: z.string(),
  type: z.enum(["file", "dir", "symlink", "other"]),
  size: z.number().int(),
  mtime: z.string(),
  collapsed: z.boolean().optional(),
});
export const MetaOut = z.object({ path: z.string(), size: z.number().int(), mtime: z.string(), etag: z.string() });
export const ListingOut = z.object({
  entries: z.array(EntryOut),
  truncated: z.boolean(),
  limits: z.object({ maxFileBytes: z.number(), maxEntries: z.number() }),
});

type Deps = { db: Database; workspaces: Workspaces; policy: AccessPolicy; accounts?: Pick<Accounts, "events"> };

/**
 * The editor's file API: the owner's own workspace only (anyone else's is a 404, like one
 * that does not exist). Paths are validated and normalised by the schemas; the service
 * walks them without following links (server/workspaces/safe-fs.ts).
 */
export function workspaceFileRoutes(deps: Deps): Route[] {
  const workspaceOwner = (i: { params: { id: number } }) =>
    deps.db.get<{ user_id: number }>("SELECT user_id FROM workspaces WHERE id = ?", [i.params.id])?.user_id;
  const filesOf = (id: number, me: User, edit = false) => {
    const ws = deps.workspaces.get(id);
    deps.policy.check(me, ws.exerciseId, "files");
    if (edit) deps.policy.check(me, ws.exerciseId, "edit");
    return new WorkspaceFiles(ws);
  };
  const auth = owner("workspace");
  const watcher = new WorkspaceWatcher();

  return [
    route({
      method: "get",
      path: "/workspaces/:id/events",
      summary: "Server-sent events: `change` whenever the workspace's files change (in the terminal, a save, a build)",
      tag: "workspaces",
      auth,
      ownerOf: workspaceOwner,
      candidates: true,
      input: ById,
      produces: "text/event-stream",
      handler: ({ input, me, req, res }) => {
        const ws = deps.workspaces.get(input.params.id);
        deps.policy.check(me, ws.exerciseId, "files");
        const sessionId = res.locals.session?.id;
        res.writeHead(200, {
          "Content-Type": "text/event-stream",
          "Cache-Control": "no-store",
          Connection: "keep-alive",
          "X-Accel-Buffering": "no",
        });
        // The first event says the watch is in place: a change after it is never missed.
        res.write("event: ready\ndata: {}\n\n");
        const unsubscribe = watcher.subscribe(ws, () => res.write("event: change\ndata: {}\n\n"));
        // A stream outlives nothing the session does not: it ends when the session ends (signed
        // out elsewhere, disabled, expired), and the page's next request then gets its 401.
        const stillSignedIn = () =>
          !!deps.db.get(
            "SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND u.disabled_at IS NULL AND s.expires_at > ?",
            [sessionId, new Date().toISOString()],
          );
        const heartbeat = setInterval(() => (stillSignedIn() ? res.write(": keep-alive\n\n") : stop()), 15_000);
        const revoked = (userId: number) => userId === me.id && stop();
        deps.accounts?.events.on("revoked", revoked);
        const stop = () => {
          clearInterval(heartbeat);
          unsubscribe();
          deps.accounts?.events.off("revoked", revoked);
          res.end();
        };
        req.on("close", stop);
      },
    }),
    route({
      method: "get",
      path: "/workspaces/:id/files",
      summary: "Every file and folder of the workspace (links listed, never followed), with sizes and times",
      tag: "workspaces",
      auth,
      ownerOf: workspaceOwner,
      candidates: true,
      input: ById,
      response: ListingOut,
      handler: ({ input, me }) => {
        const { entries, truncated } = filesOf(input.params.id, me).list();
        return { entries, truncated, limits: FILE_LIMITS };
      },
    }),
    route({
      method: "get",
      path: "/workspaces/:id/files/content",
      summary: "A text file's content, with its ETag (a content hash); If-None-Match answers 304 when unchanged",
      tag: "workspaces",
      auth,
      ownerOf: workspaceOwner,
      candidates: true,
      input: { ...ByPath, headers: z.object({ "if-none-match": ETagList.optional() }) },
      response: z.object({ file: MetaOut.extend({ content: z.string() }) }),
      handler: ({ input, res, me }) => {
        const file = filesOf(input.params.id, me).read(input.query.path);
        res.setHeader("ETag", file.etag);
        const known = input.headers["if-none-match"]?.split(",").map((t) => t.trim());
        if (known?.includes(file.etag)) {
          // The editor polls this way to notice changes made in the terminal.
          res.status(304).end();
          return;
        }
        return { file };
      },
    }),
    route({
      method: "put",
      path: "/workspaces/:id/files/content",
      summary:
        "Save a file; If-Match with the ETag that was read is required (412 with the current ETag when it changed, 428 without)",
      tag: "workspaces",
      auth,
      ownerOf: workspaceOwner,
      candidates: true,
      input: {
        ...ByPath,
        headers: z.object({ "if-match": ETagList.optional() }),
        body: z.object({ content: Content }).strict(),
      },
      response: z.object({ file: MetaOut }),
      handler: ({ input, res, me }) => {
        try {
          const file = filesOf(input.params.id, me, true).write(
            input.query.path,
            input.body.content,
            input.headers["if-match"],
          );
          res.setHeader("ETag", file.etag);
          return { file };
        } catch (err) {
          const etag = (err as { extra?: { etag?: unknown } }).extra?.etag;
          if (typeof etag === "string" && etag) res.setHeader("ETag", etag);
          throw err;
        }
      },
    }),
    route({
      method: "post",
      path: "/workspaces/:id/files",
      summary: "Create a file (optionally with content) or a folder; missing parent folders are made",
      tag: "workspaces",
      auth,
      ownerOf: workspaceOwner,
      candidates: true,
      status: 201,
      input: {
        ...ById,
        body: z.discriminatedUnion("type", [
          z.object({ type: z.literal("file"), path: WorkspacePath, content: Content.default("") }).strict(),
          z.object({ type: z.literal("dir"), path: WorkspacePath }).strict(),
        ]),
      },
      response: z.object({ entry: EntryOut.extend({ etag: z.string().optional() }) }),
      handler: ({ input, res, me }) => {
        const body = input.body;
        const entry = filesOf(input.params.id, me, true).create(
          body.path,
          body.type,
          body.type === "file" ? body.content : "",
        );
        if (entry.etag) res.setHeader("ETag", entry.etag);
        return { entry };
      },
    }),
    route({
      method: "post",
      path: "/workspaces/:id/files/move",
      summary: "Rename or move a file or folder; an existing target is never replaced (409)",
      tag: "workspaces",
      auth,
      ownerOf: workspaceOwner,
      candidates: true,
      input: { ...ById, body: z.object({ from: WorkspacePath, to: WorkspacePath }).strict() },
      response: z.object({ entry: EntryOut }),
      handler: ({ input, me }) => ({ entry: filesOf(input.params.id, me, true).move(input.body.from, input.body.to) }),
    }),
    route({
      method: "delete",
      path: "/workspaces/:id/files",
      summary: "Delete a file, a link (never its target) or a folder with everything in it",
      tag: "workspaces",
      auth,
      ownerOf: workspaceOwner,
      candidates: true,
      input: ByPath,
      response: z.object({ removed: z.number().int() }),
      handler: ({ input, me }) => filesOf(input.params.id, me, true).remove(input.query.path),
    }),
  ];
}

/** Client of the workspace file API and of an exercise's hints and solution. */
// The shapes are the server's contract (server/contract/), imported as types only.
import type { HintState, Revealed, SolutionFile } from "../../../server/contract/exercises.ts";
import type { FileContent, FileEntry, FileMeta, Listing } from "../../../server/contract/workspaces.ts";
import { ApiError, request } from "../api.ts";

export type { EntryType, FileContent, FileEntry, FileMeta, Listing } from "../../../server/contract/workspaces.ts";
export type { HintState, RevealedHint, SolutionFile } from "../../../server/contract/exercises.ts";

const base = (ws: string) => `/api/workspaces/${encodeURIComponent(ws)}/files`;
/** Server-sent events: `ready` once watching, `change` whenever the workspace's files change. */
const eventsUrl = (ws: string) => `/api/workspaces/${encodeURIComponent(ws)}/events`;
const q = (path: string) => `?path=${encodeURIComponent(path)}`;
const ex = (id: string) => `/api/exercises/${encodeURIComponent(id)}`;

/** The save was refused because the file changed on disk; `etag` is the version there now. */
export class ConflictError extends Error {
  constructor(readonly etag: string | null) {
    super("The file changed on disk since it was opened.");
  }
}

export const filesApi = {
  list: (ws: string) => request<Listing>("GET", base(ws)),
  eventsUrl,

  /** The file, or `null` when it still has `knownEtag` (304: unchanged). */
  async read(ws: string, path: string, knownEtag?: string): Promise<FileContent | null> {
    try {
      const { file } = await request<{ file: FileContent }>(
        "GET",
        `${base(ws)}/content${q(path)}`,
        undefined,
        knownEtag ? { "If-None-Match": knownEtag } : {},
      );
      return file;
    } catch (err) {
      if (err instanceof ApiError && err.status === 304) return null;
      throw err;
    }
  },

  /** Saves only over the version `etag` names; a ConflictError otherwise. */
  async write(ws: string, path: string, content: string, etag: string): Promise<FileMeta> {
    try {
      const { file } = await request<{ file: FileMeta }>(
        "PUT",
        `${base(ws)}/content${q(path)}`,
        { content },
        { "If-Match": etag },
      );
      return file;
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        const current = err.problem?.etag;
        throw new ConflictError(typeof current === "string" && current ? current : null);
      }
      throw err;
    }
  },

  create: (ws: string, path: string, type: "file" | "dir", content?: string) =>
    request<{ entry: FileEntry & { etag?: string } }>(
      "POST",
      base(ws),
      type === "file" ? { type, path, content: content ?? "" } : { type, path },
    ),

  move: (ws: string, from: string, to: string) =>
    request<{ entry: FileEntry }>("POST", `${base(ws)}/move`, { from, to }),

  remove: (ws: string, path: string) => request<{ removed: number }>("DELETE", `${base(ws)}${q(path)}`, {}),

  hints: (exerciseId: string) => request<HintState>("GET", `${ex(exerciseId)}/hints`),

  revealHint: (exerciseId: string, index: number) => request<Revealed>("POST", `${ex(exerciseId)}/hints`, { index }),

  solution: (exerciseId: string) => request<{ files: SolutionFile[] }>("GET", `${ex(exerciseId)}/solution`),
};

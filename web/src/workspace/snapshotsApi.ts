import type { Snapshot } from "../../../server/contract/workspaces.ts";
import { request } from "../api.ts";

export type { Snapshot };

const base = (ws: string) => `/api/workspaces/${encodeURIComponent(ws)}`;

/** Starting over: a reset to the starter, and the snapshots that keep what was there. */
export const snapshotsApi = {
  list: (ws: string) => request<{ snapshots: Snapshot[] }>("GET", `${base(ws)}/snapshots`),
  reset: (ws: string) => request<{ snapshot: Snapshot }>("POST", `${base(ws)}/reset`, { confirm: "reset" }),
  restore: (ws: string, id: number) =>
    request<{ snapshot: Snapshot }>("POST", `${base(ws)}/snapshots/${encodeURIComponent(id)}/restore`, {}),
  archiveUrl: (ws: string, id: number) => `${base(ws)}/snapshots/${encodeURIComponent(id)}/archive`,
};

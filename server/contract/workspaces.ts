/** The editor's file API on a workspace: types only, from the route schemas. */
import type { z } from "zod";
import type { PATH_LIMITS } from "../workspaces/paths.ts";
import type { EntryOut, ListingOut, MetaOut } from "../workspaces/routes.ts";
import type { SnapshotOut } from "../workspaces/snapshot-routes.ts";

export type FileEntry = z.infer<typeof EntryOut>;
export type EntryType = FileEntry["type"];
/** A file's size, time and ETag (a content hash), without its content. */
export type FileMeta = z.infer<typeof MetaOut>;
export type FileContent = FileMeta & { content: string };
export type Listing = z.infer<typeof ListingOut>;
/** The file API's path limits: the editor's path input takes the same maxlength. */
export type PathLimits = typeof PATH_LIMITS;
/** A workspace's files as they were before a reset (or a restore), kept to restore or download. */
export type Snapshot = z.infer<typeof SnapshotOut>;

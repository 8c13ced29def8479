/** The editor's file API on a workspace: types only, from the route schemas. */
import type { z } from "zod";
import type { EntryOut, ListingOut, MetaOut } from "../workspaces/routes.ts";

export type FileEntry = z.infer<typeof EntryOut>;
export type EntryType = FileEntry["type"];
/** A file's size, time and ETag (a content hash), without its content. */
export type FileMeta = z.infer<typeof MetaOut>;
export type FileContent = FileMeta & { content: string };
export type Listing = z.infer<typeof ListingOut>;

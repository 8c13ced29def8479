/** What the editor knows about each open file, beside its CodeMirror state. */

/** What the disk holds now, when it differs from what the buffer was loaded from. */
export type Conflict = { kind: "changed"; content: string; etag: string } | { kind: "deleted" };

export interface BufferState {
  dirty: boolean;
  saving: boolean;
  /** The file is gone on disk; saving creates it again. */
  deleted: boolean;
  conflict: Conflict | null;
  notice: string | null;
  error: string | null;
  /** Over the editor's file size limit: Save cannot write it (the terminal can). */
  tooLarge: boolean;
}

export const CLEAN: BufferState = {
  dirty: false,
  saving: false,
  deleted: false,
  conflict: null,
  notice: null,
  error: null,
  tooLarge: false,
};

/** The version on disk a buffer is based on; `etag: null` when the file is not there. */
export type Base = { content: string; etag: string | null };

/** An open file with unsaved edits, and whether the editor can save it at all. */
export type UnsavedFile = { path: string; tooLarge: boolean };

const size = (n: number) =>
  n < 1024 * 1024 ? `${Math.ceil(n / 1024)} kB` : `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB`;

/** Why a save is not sent: the file is over the limit the server would refuse it at. */
export function tooLargeMessage(path: string, bytes: number, limit: number): string {
  return `${path} is ${size(bytes)}; the editor saves files up to ${size(limit)}, so this was not saved. Make it smaller, or write large files from the terminal (a submission takes what is on disk).`;
}

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
}

export const CLEAN: BufferState = {
  dirty: false,
  saving: false,
  deleted: false,
  conflict: null,
  notice: null,
  error: null,
};

/** The version on disk a buffer is based on; `etag: null` when the file is not there. */
export type Base = { content: string; etag: string | null };

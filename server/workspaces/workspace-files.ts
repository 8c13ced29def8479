import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import { notFound, Problem } from "../errors.ts";
import { DEFAULT_COPY_LIMITS } from "../../graders/sandbox/files.ts";
import { segmentsOf } from "./paths.ts";
import { listEntries, countEntries, typeOf, type EntryType, type FileEntry } from "./listing.ts";
import {
  assertShallow,
  at,
  closeAll,
  openDirAt,
  openFileAt,
  openRoot,
  readUpTo,
  removeAt,
  MAX_WALK_DEPTH,
  walkDirs,
  WalkError,
  walkError,
  writeAll,
} from "./safe-fs.ts";
import type { Workspace } from "./service.ts";

/**
 * The editor's view of a workspace: list, read, write, create, move, delete. Every call
 * walks from the workspace's root one descriptor at a time (see safe-fs.ts), so nothing the
 * sandbox does (symlinks, swapped folders, hard links, FIFOs) makes it touch a file outside.
 * Writes replace the file atomically (temp file, fsync, rename) and keep the sandbox's uid.
 */

export const FILE_LIMITS = {
  /** Largest file the editor opens or saves. */
  maxFileBytes: 1024 * 1024,
  /** Entries per workspace (files, folders, links): the same cap a submission's snapshot has. */
  maxEntries: DEFAULT_COPY_LIMITS.maxFiles,
};
export type FileLimits = typeof FILE_LIMITS;

export type { EntryType, FileEntry };
export type FileMeta = { path: string; size: number; mtime: string; etag: string };
export type FileContent = FileMeta & { content: string };

/** A strong ETag over the content: the editor's save is conditional on it. */
export function etagOf(data: Buffer): string {
  return `"${createHash("sha256").update(data).digest("base64url").slice(0, 32)}"`;
}

const PROBLEMS: Record<Exclude<WalkError["reason"], "not-found">, (where: string) => Problem> = {
  symlink: (w) =>
    new Problem(
      409,
      "symlink-refused",
      "Symbolic links are not followed",
      `"${w}" is a symbolic link; the editor never follows links (use the terminal).`,
    ),
  "not-a-folder": (w) => new Problem(409, "not-a-folder", "Not a folder", `"${w}" is not a folder.`),
  "not-a-file": (w) => new Problem(409, "not-a-file", "Not a regular file", `"${w}" is not a regular file.`),
  "hard-link": (w) =>
    new Problem(
      409,
      "hard-link-refused",
      "Hard-linked file",
      `"${w}" has more than one hard link; the editor does not open or change such files.`,
    ),
  exists: (w) => new Problem(409, "exists", "Already exists", `"${w}" already exists.`),
  "no-space": () =>
    new Problem(
      507,
      "workspace-full",
      "Workspace full",
      "The workspace's disk is full; delete something and try again.",
    ),
  busy: (w) =>
    new Problem(409, "busy", "Changed while opening", `"${w}" changed while it was being opened; try again.`),
  "too-deep": (w) =>
    new Problem(
      409,
      "too-deep",
      "Folders nested too deep",
      `"${w}" holds folders nested more than ${MAX_WALK_DEPTH} deep; delete it in the terminal (rm -r).`,
    ),
};

/** Maps a refused walk to the problem the client sees; anything else passes through. */
export function toProblem(err: unknown): unknown {
  if (!(err instanceof WalkError)) return err;
  if (err.reason === "not-found") return notFound(`"${err.at}"`);
  return PROBLEMS[err.reason](err.at);
}

function split(p: string): { parent: string[]; name: string } {
  const segs = segmentsOf(p);
  return { parent: segs.slice(0, -1), name: segs[segs.length - 1]! };
}

function decodeText(data: Buffer, where: string): string {
  const notText = () =>
    new Problem(415, "not-text", "Not a text file", `"${where}" is not UTF-8 text; open it in the terminal.`);
  if (data.includes(0)) throw notText();
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    throw notText();
  }
}

export class WorkspaceFiles {
  constructor(
    private readonly ws: Workspace,
    private readonly limits: FileLimits = FILE_LIMITS,
  ) {}

  /** Folders the editor makes belong to the sandbox's user. */
  private get dirMode() {
    return { uid: this.ws.uid, mode: 0o755 };
  }

  list(): { entries: FileEntry[]; truncated: boolean } {
    return this.withRoot((root) => listEntries(root, this.limits.maxEntries));
  }

  read(p: string): FileContent {
    const { parent, name } = split(p);
    return this.withDir(parent, (dirFd) => {
      const { fd, stat } = openFileAt(dirFd, name, p, fs.constants.O_RDONLY);
      try {
        if (stat.size > this.limits.maxFileBytes) throw this.tooLarge(p);
        const { data, more } = readUpTo(fd, this.limits.maxFileBytes);
        if (more) throw this.tooLarge(p);
        return {
          path: p,
          size: data.length,
          mtime: stat.mtime.toISOString(),
          etag: etagOf(data),
          content: decodeText(data, p),
        };
      } finally {
        fs.closeSync(fd);
      }
    });
  }

  /**
   * Replaces a file's content if it still has the ETag the editor loaded (If-Match): a
   * change made in the terminal since then is a 412 carrying the current ETag, never lost.
   */
  write(p: string, content: string, ifMatch: string | undefined): FileMeta {
    if (ifMatch === undefined)
      throw new Problem(
        428,
        "if-match-required",
        "Precondition required",
        "Send If-Match with the ETag of the version you edited.",
      );
    const data = this.encode(p, content);
    const { parent, name } = split(p);
    return this.withDir(parent, (dirFd) => {
      const { fd, stat } = openFileAt(dirFd, name, p, fs.constants.O_RDONLY);
      let current: string;
      try {
        const { data: old, more } = readUpTo(fd, this.limits.maxFileBytes);
        current = more ? "" : etagOf(old);
      } finally {
        fs.closeSync(fd);
      }
      const wanted = ifMatch.split(",").map((t) => t.trim());
      if (!wanted.includes(current)) {
        throw new Problem(
          412,
          "etag-mismatch",
          "The file changed",
          `"${p}" changed since you opened it (in the terminal?). Reload it or overwrite it knowingly.`,
          { etag: current },
        );
      }
      this.replace(dirFd, name, p, data, stat.mode & 0o777);
      return this.meta(dirFd, name, p, data);
    });
  }

  /** Creates a file (with optional content) or a folder; missing parent folders are made. */
  create(p: string, type: "file" | "dir", content = ""): FileEntry & { etag?: string } {
    const data = type === "file" ? this.encode(p, content) : Buffer.alloc(0);
    const { parent, name } = split(p);
    return this.withRoot((root) => {
      this.ensureRoomFor(root, parent.length + 1);
      const dirFd = walkDirs(root, parent, { create: this.dirMode });
      try {
        if (type === "dir") {
          try {
            fs.mkdirSync(at(dirFd, name), { mode: 0o755 });
          } catch (err) {
            walkError(err, p, dirFd, name);
          }
          const fd = openDirAt(dirFd, name, p);
          try {
            fs.fchownSync(fd, this.ws.uid, this.ws.uid);
            const st = fs.fstatSync(fd);
            return { path: p, type: "dir", size: 0, mtime: st.mtime.toISOString() };
          } finally {
            fs.closeSync(fd);
          }
        }
        this.createFile(dirFd, name, p, data, 0o644);
        this.syncDir(dirFd);
        const meta = this.meta(dirFd, name, p, data);
        return { path: p, type: "file", size: meta.size, mtime: meta.mtime, etag: meta.etag };
      } finally {
        fs.closeSync(dirFd);
      }
    });
  }

  /** Renames or moves a file or folder; never replaces what is already at the target. */
  move(from: string, to: string): FileEntry {
    if (from === to) throw new Problem(400, "validation", "Invalid request", "The source and the target are the same.");
    if (to.startsWith(`${from}/`))
      throw new Problem(400, "validation", "Invalid request", "A folder cannot move into itself.");
    const src = split(from);
    const dst = split(to);
    return this.withRoot((root) => {
      const fromDir = walkDirs(root, src.parent);
      let toDir: number | undefined;
      try {
        const st = this.lstat(fromDir, src.name, from);
        if (st.isSymbolicLink()) throw new WalkError("symlink", from);
        toDir = walkDirs(root, dst.parent, { create: this.dirMode });
        // rename(2) would replace an existing target; refuse instead. (The terminal can
        // still create one in between: the result stays inside the learner's workspace.)
        if (this.exists(toDir, dst.name)) throw new WalkError("exists", to);
        try {
          fs.renameSync(at(fromDir, src.name), at(toDir, dst.name));
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "ENOENT") throw new WalkError("not-found", from);
          if (code === "EEXIST" || code === "ENOTEMPTY" || code === "EISDIR" || code === "ENOTDIR")
            throw new WalkError("exists", to);
          if (code === "EINVAL")
            throw new Problem(400, "validation", "Invalid request", "A folder cannot move into itself.");
          throw err;
        }
        this.syncDir(toDir);
        if (toDir !== fromDir) this.syncDir(fromDir);
        const moved = this.lstat(toDir, dst.name, to);
        return {
          path: to,
          type: typeOf(moved),
          size: moved.isFile() ? moved.size : 0,
          mtime: moved.mtime.toISOString(),
        };
      } finally {
        closeAll(fromDir, toDir);
      }
    });
  }

  /** Deletes a file, a link (never its target) or a folder with everything in it. */
  remove(p: string): { removed: number } {
    const { parent, name } = split(p);
    return this.withDir(parent, (dirFd) => {
      // All or nothing: a tree too deep to walk is refused before anything is deleted.
      assertShallow(dirFd, name, p);
      const removed = removeAt(dirFd, name, p);
      this.syncDir(dirFd);
      return { removed };
    });
  }

  private withRoot<T>(fn: (rootFd: number) => T): T {
    try {
      const root = openRoot(this.ws.dir);
      try {
        return fn(root);
      } finally {
        fs.closeSync(root);
      }
    } catch (err) {
      throw toProblem(err);
    }
  }

  private withDir<T>(segments: string[], fn: (dirFd: number) => T): T {
    return this.withRoot((root) => {
      const dirFd = walkDirs(root, segments);
      try {
        return fn(dirFd);
      } finally {
        fs.closeSync(dirFd);
      }
    });
  }

  private encode(p: string, content: string): Buffer {
    const data = Buffer.from(content, "utf8");
    if (data.length > this.limits.maxFileBytes) throw this.tooLarge(p);
    return data;
  }

  private tooLarge(p: string): Problem {
    const mb = this.limits.maxFileBytes / 1024 / 1024;
    return new Problem(
      413,
      "file-too-large",
      "File too large",
      `"${p}" is larger than ${mb >= 1 ? `${mb} MB` : `${this.limits.maxFileBytes} bytes`}, the editor's limit; use the terminal.`,
      { limit: this.limits.maxFileBytes },
    );
  }

  /** Refuses a create that would take the workspace past its entry limit. */
  private ensureRoomFor(root: number, adding: number): void {
    const budget = this.limits.maxEntries - adding;
    if (countEntries(root, budget) > budget)
      throw new Problem(
        409,
        "too-many-files",
        "Too many files",
        `The workspace may hold at most ${this.limits.maxEntries} files and folders; delete some first.`,
        { limit: this.limits.maxEntries },
      );
  }

  private createFile(dirFd: number, name: string, p: string, data: Buffer, mode: number): void {
    const C = fs.constants;
    let fd: number;
    try {
      fd = fs.openSync(at(dirFd, name), C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, mode);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // O_EXCL on an existing name (a dangling symlink included) is EEXIST.
      if (code === "EEXIST" || code === "ELOOP") throw new WalkError("exists", p);
      if (code === "ENOSPC" || code === "EDQUOT") throw new WalkError("no-space", p);
      throw err;
    }
    try {
      fs.fchownSync(fd, this.ws.uid, this.ws.uid);
      fs.fchmodSync(fd, mode);
      writeAll(fd, data);
      fs.fsyncSync(fd);
    } catch (err) {
      closeAll(fd);
      fs.rmSync(at(dirFd, name), { force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOSPC" || code === "EDQUOT") throw new WalkError("no-space", p);
      throw err;
    }
    fs.closeSync(fd);
  }

  /** Atomic replace: a crash leaves the old or the new content, never a torn file. */
  private replace(dirFd: number, name: string, p: string, data: Buffer, mode: number): void {
    const tmp = `.backlab-save-${randomBytes(6).toString("hex")}`;
    this.createFile(dirFd, tmp, p, data, mode);
    try {
      // rename(2) never follows a link at the target: a symlink planted there is replaced.
      fs.renameSync(at(dirFd, tmp), at(dirFd, name));
    } catch (err) {
      fs.rmSync(at(dirFd, tmp), { force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EISDIR" || code === "ENOTEMPTY") throw new WalkError("not-a-file", p);
      throw err;
    }
    this.syncDir(dirFd);
  }

  private meta(dirFd: number, name: string, p: string, data: Buffer): FileMeta {
    const st = this.lstat(dirFd, name, p);
    return { path: p, size: data.length, mtime: st.mtime.toISOString(), etag: etagOf(data) };
  }

  private lstat(dirFd: number, name: string, p: string): fs.Stats {
    try {
      return fs.lstatSync(at(dirFd, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new WalkError("not-found", p);
      throw err;
    }
  }

  private exists(dirFd: number, name: string): boolean {
    try {
      fs.lstatSync(at(dirFd, name));
      return true;
    } catch {
      return false;
    }
  }

  /** The directory entry is durable too: a saved file survives a kill -9 of the machine. */
  private syncDir(dirFd: number): void {
    fs.fsyncSync(dirFd);
  }
}

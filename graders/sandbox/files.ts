import fs from "node:fs";
import path from "node:path";

export type CopyLimits = { maxFiles: number; maxBytes: number };
export const DEFAULT_COPY_LIMITS: CopyLimits = { maxFiles: 5_000, maxBytes: 50 * 1024 * 1024 };

export class CopyLimitError extends Error {}

/**
 * Copies a learner's tree without ever following a link out of it: directories and regular
 * files are copied, symlinks are recreated as symlinks (they resolve inside the next sandbox,
 * never on the host), hard-linked files and special files are skipped. `uid` owns the copy.
 */
export function copyTree(
  src: string,
  dst: string,
  opts: { uid?: number; limits?: CopyLimits; skip?: (rel: string) => boolean; into?: boolean } = {},
): { files: number; bytes: number } {
  const limits = opts.limits ?? DEFAULT_COPY_LIMITS;
  const tally = { files: 0, bytes: 0 };
  const walk = (from: string, to: string, rel: string) => {
    // `into`: the destination exists already (a mounted workspace); its own mode stays.
    if (!(opts.into && rel === "")) {
      fs.mkdirSync(to, { mode: 0o755 });
      if (opts.uid !== undefined) fs.chownSync(to, opts.uid, opts.uid);
    }
    for (const entry of fs.readdirSync(from)) {
      const r = rel ? `${rel}/${entry}` : entry;
      if (opts.skip?.(r)) continue;
      const s = path.join(from, entry);
      const d = path.join(to, entry);
      const st = fs.lstatSync(s);
      if (++tally.files > limits.maxFiles) throw new CopyLimitError(`more than ${limits.maxFiles} files`);
      if (st.isDirectory()) {
        walk(s, d, r);
      } else if (st.isSymbolicLink()) {
        fs.symlinkSync(fs.readlinkSync(s), d);
        if (opts.uid !== undefined) fs.lchownSync(d, opts.uid, opts.uid);
      } else if (st.isFile() && st.nlink === 1) {
        tally.bytes += st.size;
        if (tally.bytes > limits.maxBytes)
          throw new CopyLimitError(`more than ${Math.round(limits.maxBytes / 1024 / 1024)} MB`);
        // COPYFILE_EXCL and a fresh destination: nothing pre-existing is overwritten.
        fs.copyFileSync(s, d, fs.constants.COPYFILE_EXCL);
        fs.chmodSync(d, st.mode & 0o755);
        if (opts.uid !== undefined) fs.chownSync(d, opts.uid, opts.uid);
      }
    }
  };
  walk(src, dst, "");
  return tally;
}

export function removeTree(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

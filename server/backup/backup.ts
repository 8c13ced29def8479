import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import BetterSqlite3 from "better-sqlite3";
import * as tar from "tar";

/**
 * `backlab backup <file>` and `backlab restore <file>`: a consistent online copy of a lab's
 * data folder while the lab runs, and its way back.
 *
 * Consistency: the database is copied first with SQLite's online backup API (a point-in-time
 * copy that a running writer does not disturb), the files after it. Every file the copied
 * database refers to already exists by then — a submission's snapshot is written before the
 * submission is acknowledged, a recording before its row — so the archive may hold a little
 * more than the database knows of, never less. Work the lab was doing at that instant (a
 * grading that was running) is queued again when the restored lab starts, as after a crash.
 */

/** What a backup holds besides the database (everything else in DATA_DIR is rebuilt or scratch). */
export const BACKED_UP = ["secret.key", "workspaces", "submissions", "recordings"] as const;
const DB = "backlab.db";
const MANIFEST = "backup.json";
const FORMAT = 1;

export class BackupError extends Error {}

export type Manifest = {
  format: number;
  createdAt: string;
  /** The newest migration in the copied database: a restore refuses a lab older than that. */
  schemaVersion: number;
  databaseSha256: string;
  counts: { users: number; submissions: number; workspaces: number };
};

export async function backup(dataDir: string, file: string): Promise<Manifest> {
  const source = path.join(dataDir, DB);
  if (!fs.existsSync(source)) throw new BackupError(`no lab database at ${source} (is DATA_DIR right?)`);
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new BackupError(`${target} exists; pick a new file name`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-backup-"));
  try {
    const live = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
    try {
      await live.backup(path.join(work, DB));
    } finally {
      live.close();
    }
    const manifest = describe(path.join(work, DB));
    fs.writeFileSync(path.join(work, MANIFEST), JSON.stringify(manifest, null, 2));
    // An uncompressed archive first (tar appends only to those): the database copy, then the
    // live files, then compressed into place under a temporary name.
    const archive = path.join(work, "archive.tar");
    await tar.create({ file: archive, portable: true, cwd: work }, [MANIFEST, DB]);
    const present = BACKED_UP.filter((p) => fs.existsSync(path.join(dataDir, p)));
    // Owners kept: a workspace's files belong to the sandbox's user, and must again after a restore.
    if (present.length) await tar.replace({ file: archive, cwd: dataDir, filter: reusable }, present);
    const partial = `${target}.partial`;
    await pipeline(fs.createReadStream(archive), zlib.createGzip(), fs.createWriteStream(partial));
    fs.renameSync(partial, target);
    return manifest;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(`${target}.partial`, { force: true });
  }
}

/**
 * Restores a backup into `dataDir`. An existing lab there is moved aside (never overwritten)
 * only with `force`; the archive is checked (manifest, database hash and integrity) before
 * anything is moved.
 */
export async function restore(
  file: string,
  dataDir: string,
  opts: { force?: boolean; newestMigration: number },
): Promise<{ manifest: Manifest; movedAside?: string }> {
  const source = path.resolve(file);
  if (!fs.existsSync(source)) throw new BackupError(`no backup at ${source}`);
  const target = path.resolve(dataDir);
  const occupied = fs.existsSync(target) && fs.readdirSync(target).length > 0;
  if (occupied && !opts.force)
    throw new BackupError(
      `${target} is not empty; stop the lab there and pass --force to move it aside, or restore into an empty DATA_DIR`,
    );
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Unpacked next to the target, so the final step is a rename on one filesystem.
  const staging = fs.mkdtempSync(`${target}.restoring-`);
  try {
    try {
      await tar.extract({ file: source, cwd: staging, strict: true, preservePaths: false, preserveOwner: true });
    } catch (err) {
      throw new BackupError(`this file is not a Backlab backup, or it is damaged: ${(err as Error).message}`);
    }
    const manifest = readManifest(staging);
    if (manifest.schemaVersion > opts.newestMigration)
      throw new BackupError(
        `the backup's database is at migration ${manifest.schemaVersion}, this lab knows ${opts.newestMigration}: restore it with a newer Backlab`,
      );
    const db = path.join(staging, DB);
    if (sha256(db) !== manifest.databaseSha256) throw new BackupError("the backup's database does not match its hash");
    const check = new BetterSqlite3(db, { readonly: true });
    try {
      const ok = check.pragma("integrity_check", { simple: true });
      if (ok !== "ok") throw new BackupError(`the backup's database is damaged: ${String(ok)}`);
    } finally {
      check.close();
    }
    fs.rmSync(path.join(staging, MANIFEST));
    let movedAside: string | undefined;
    if (fs.existsSync(target)) {
      if (occupied) {
        movedAside = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, "-")}`;
        fs.renameSync(target, movedAside);
      } else fs.rmdirSync(target);
    }
    fs.renameSync(staging, target);
    return { manifest, movedAside };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function describe(dbFile: string): Manifest {
  const db = new BetterSqlite3(dbFile, { readonly: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const version = db.prepare("SELECT max(version) AS v FROM schema_migrations").get() as { v: number | null };
    return {
      format: FORMAT,
      createdAt: new Date().toISOString(),
      schemaVersion: version.v ?? 0,
      databaseSha256: sha256(dbFile),
      counts: { users: count("users"), submissions: count("submissions"), workspaces: count("workspaces") },
    };
  } finally {
    db.close();
  }
}

function readManifest(dir: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), "utf8")) as Manifest;
  } catch {
    throw new BackupError("this file is not a Backlab backup (no backup.json in it)");
  }
  if (m.format !== FORMAT) throw new BackupError(`backup format ${m.format} is not one this Backlab reads (${FORMAT})`);
  if (!fs.existsSync(path.join(dir, DB))) throw new BackupError("the backup holds no database");
  return m;
}

const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/** Only what a lab can use again: regular files, folders and links (no sockets, fifos or devices). */
function reusable(_path: string, stat: fs.Stats | tar.ReadEntry): boolean {
  return !(stat instanceof fs.Stats) || stat.isFile() || stat.isDirectory() || stat.isSymbolicLink();
}

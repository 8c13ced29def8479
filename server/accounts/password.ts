import crypto from "node:crypto";
import { promisify } from "node:util";
import { hash, verify, type Options } from "@node-rs/argon2";

/**
 * Password hashes: argon2id with OWASP's first recommended configuration (19 MiB, 2 passes,
 * 1 lane; about 45 ms here). Hashes from before argon2 (scrypt) still verify and are
 * replaced on the next successful sign-in (`needsRehash`).
 */
// `algorithm: 2` is Algorithm.Argon2id (a const enum, which this build cannot import).
export const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const satisfies Options;

const scrypt = promisify(crypto.scrypt) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: crypto.ScryptOptions,
) => Promise<Buffer>;

// NFKC: the same password typed on another keyboard layout or OS hashes the same.
const normal = (password: string) => password.normalize("NFKC");

export async function hashPassword(password: string): Promise<string> {
  return hash(normal(password), ARGON2);
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith("$argon2id$")) {
    try {
      return await verify(stored, normal(password));
    } catch {
      return false;
    }
  }
  if (stored.startsWith("scrypt$")) return verifyScrypt(normal(password), stored);
  return false;
}

/** True when a verified hash should be replaced: an older scheme or weaker parameters. */
export function needsRehash(stored: string): boolean {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored);
  if (!m) return true;
  return Number(m[1]) < ARGON2.memoryCost || Number(m[2]) < ARGON2.timeCost;
}

/** The lab's hashes before argon2id: `scrypt$N$r$p$salt$key`. */
async function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, key] = stored.split("$");
  if (!salt || !key) return false;
  const N = Number(n);
  // Parameters come from the database; refuse absurd ones rather than allocate for them.
  if (!Number.isInteger(N) || N < 2 || N > 2 ** 20 || Number(r) > 32 || Number(p) > 16) return false;
  const expected = Buffer.from(key, "base64url");
  const actual = await scrypt(password, Buffer.from(salt, "base64url"), expected.length, {
    N,
    r: Number(r),
    p: Number(p),
    maxmem: 256 * 1024 * 1024,
  });
  return crypto.timingSafeEqual(actual, expected);
}

/** A hash to verify against when the account does not exist, so both answers take as long. */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(crypto.randomBytes(16).toString("hex"));
  return dummy;
}

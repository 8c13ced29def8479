/** Just enough JWT (RFC 7519) to forge tokens: decode, sign (HMAC, RSA, ECDSA), compare HMACs. */
import crypto from "node:crypto";

export type Jwt = {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
  signingInput: string;
};

export const b64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

export function decodeJwt(token: string): Jwt | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8")) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as unknown;
    if (!header || typeof header !== "object" || !payload || typeof payload !== "object") return null;
    return {
      header: header as Record<string, unknown>,
      payload: payload as Record<string, unknown>,
      signature: parts[2]!,
      signingInput: `${parts[0]}.${parts[1]}`,
    };
  } catch {
    return null;
  }
}

const HASH: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };

function hashFor(alg: string): string {
  const h = HASH[alg.slice(2)];
  if (!h) throw new Error(`unsupported JWT alg ${alg}`);
  return h;
}

export const encodeParts = (header: object, payload: object) =>
  `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;

export function hmac(alg: string, key: string | Buffer, input: string): string {
  return crypto.createHmac(hashFor(alg), key).update(input).digest("base64url");
}

/** Signs with `header.alg`: HS256/384/512 with a secret; RS, PS and ES algorithms with a private key. */
export function signJwt(
  header: Record<string, unknown>,
  payload: object,
  key: string | Buffer | crypto.KeyObject,
): string {
  const alg = String(header.alg ?? "");
  const input = encodeParts(header, payload);
  if (alg.startsWith("HS")) return `${input}.${hmac(alg, key instanceof crypto.KeyObject ? key.export() : key, input)}`;
  const hash = hashFor(alg);
  const k = key instanceof crypto.KeyObject ? key : crypto.createPrivateKey(key);
  if (alg.startsWith("RS")) return `${input}.${crypto.sign(hash, Buffer.from(input), k).toString("base64url")}`;
  if (alg.startsWith("PS"))
    return `${input}.${crypto.sign(hash, Buffer.from(input), { key: k, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }).toString("base64url")}`;
  if (alg.startsWith("ES"))
    return `${input}.${crypto.sign(hash, Buffer.from(input), { key: k, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
  throw new Error(`unsupported JWT alg ${alg}`);
}

/** Whether an HS* token's signature was made with `secret`. */
export function hmacMatches(jwt: Jwt, secret: string): boolean {
  const alg = String(jwt.header.alg ?? "");
  if (!/^HS(256|384|512)$/.test(alg)) return false;
  const expected = Buffer.from(hmac(alg, secret, jwt.signingInput));
  const actual = Buffer.from(jwt.signature);
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
}

/** Well-known secrets from tutorials, docs and defaults (jwt.io's example, framework samples, …). */
export const WEAK_SECRETS = [
  "secret",
  "Secret",
  "SECRET",
  "secretkey",
  "secret-key",
  "secret_key",
  "mysecret",
  "my-secret",
  "mysecretkey",
  "my_secret_key",
  "your-256-bit-secret",
  "your-secret-key",
  "your_jwt_secret",
  "jwt-secret",
  "jwt_secret",
  "jwtsecret",
  "JWT_SECRET",
  "changeme",
  "change-me",
  "changeit",
  "password",
  "123456",
  "12345678",
  "admin",
  "test",
  "dev",
  "development",
  "default",
  "supersecret",
  "super-secret",
  "shhhhh",
  "keyboard cat",
  "s3cr3t",
  "key",
  "private",
  "token",
  "qwerty",
  "",
];

// A software passkey authenticator for the hidden tests: an ES256 key from node:crypto,
// attestation "none", authenticatorData and CBOR built by hand (WebAuthn Level 3 §6.1, §6.5).
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";

const b64u = (b: Uint8Array | string) => Buffer.from(b).toString("base64url");
const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest();

// The CBOR subset WebAuthn needs: unsigned/negative ints, byte and text strings, maps.
function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 256) return Buffer.from([(major << 5) | 24, n]);
  if (n < 65536) return Buffer.from([(major << 5) | 25, n >> 8, n & 255]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}
export function cbor(v: unknown): Buffer {
  if (typeof v === "number") return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === "string") return Buffer.concat([head(3, Buffer.byteLength(v)), Buffer.from(v)]);
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), v]);
  if (v instanceof Map) return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
  if (v && typeof v === "object") return cbor(new Map(Object.entries(v)));
  throw new Error(`cbor: ${typeof v}`);
}

const UP = 0x01, UV = 0x04, AT = 0x40;

export type Ceremony = { origin?: string; rpId?: string; uv?: boolean; counter?: number; challenge?: string };

export class SoftAuthenticator {
  readonly credentialId = randomBytes(16);
  private readonly key: { privateKey: KeyObject; publicKey: KeyObject };
  counter = 0;

  constructor(readonly rpId = "localhost", readonly origin = "http://localhost:3000", key?: { privateKey: KeyObject; publicKey: KeyObject }) {
    this.key = key ?? generateKeyPairSync("ec", { namedCurve: "P-256" });
  }

  get id() {
    return b64u(this.credentialId);
  }

  /** A copy with the same credential and key (a cloned authenticator), its own counter. */
  clone(): SoftAuthenticator {
    const twin = new SoftAuthenticator(this.rpId, this.origin, this.key);
    (twin as any).credentialId = this.credentialId;
    twin.counter = this.counter;
    return twin;
  }

  private coseKey(): Map<number, unknown> {
    const jwk = this.key.publicKey.export({ format: "jwk" });
    return new Map<number, unknown>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x!, "base64url")],
      [-3, Buffer.from(jwk.y!, "base64url")],
    ]);
  }

  private authData(c: Ceremony, attested: boolean): Buffer {
    const flags = UP | (c.uv === false ? 0 : UV) | (attested ? AT : 0);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(c.counter ?? this.counter);
    const parts = [sha256(c.rpId ?? this.rpId), Buffer.from([flags]), count];
    if (attested) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(this.credentialId.length);
      parts.push(Buffer.alloc(16), len, this.credentialId, cbor(this.coseKey()));
    }
    return Buffer.concat(parts);
  }

  private clientData(type: string, challenge: string, c: Ceremony): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin: c.origin ?? this.origin, crossOrigin: false }));
  }

  /** navigator.credentials.create() for `options` (the server's PublicKeyCredentialCreationOptionsJSON). */
  create(options: { challenge: string }, c: Ceremony = {}) {
    const clientDataJSON = this.clientData("webauthn.create", c.challenge ?? options.challenge, c);
    const attestationObject = cbor(new Map<string, unknown>([["fmt", "none"], ["attStmt", new Map()], ["authData", this.authData(c, true)]]));
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ["internal"] },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** navigator.credentials.get(): bumps the counter unless `c.counter` says otherwise. */
  get(options: { challenge: string }, c: Ceremony = {}) {
    if (c.counter === undefined) this.counter += 1;
    const authenticatorData = this.authData(c, false);
    const clientDataJSON = this.clientData("webauthn.get", c.challenge ?? options.challenge, c);
    const signature = sign("sha256", Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.key.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authenticatorData), signature: b64u(signature) },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }
}

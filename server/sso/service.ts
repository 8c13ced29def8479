import crypto from "node:crypto";
import * as oidc from "openid-client";
import type { Accounts } from "../accounts/service.ts";
import type { Role, User } from "../accounts/schema.ts";
import { hashToken } from "../accounts/sessions.ts";
import type { AuditLog } from "../audit/service.ts";
import { isLoopbackHost, type SsoConfig } from "../config.ts";
import type { Database } from "../db/database.ts";
import { unavailable } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { linkOrCreate, syncRole } from "./identities.ts";
import { SsoRefusal } from "./refusal.ts";

export { SsoRefusal, type RefusalCode } from "./refusal.ts";

/** A sign-in has this long between leaving for the provider and coming back. */
const ATTEMPT_MS = 10 * 60_000;

type Attempt = {
  state: string;
  nonce: string;
  code_verifier: string;
  redirect_uri: string;
  next_path: string;
  link_user_id: number | null;
};

export type Claims = Record<string, unknown> & { sub: string };

/**
 * OpenID Connect sign-in (authorization code + PKCE, state and nonce) through openid-client.
 * The attempt lives in the database, keyed by a cookie the browser holds, and is used up by
 * its callback; the provider's answer is checked by openid-client (state, nonce, iss, the ID
 * token's signature and audience), the lab's own rules by `admit()`.
 */
export class SingleSignOn {
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(
    private readonly deps: { db: Database; accounts: Accounts; audit: AuditLog; log: Logger },
    readonly config: SsoConfig,
  ) {}

  /** Discovery runs at the first sign-in, not at start: a provider that is down must not stop the lab. */
  private configuration(): Promise<oidc.Configuration> {
    this.discovered ??= oidc
      .discovery(
        new URL(this.config.issuer),
        this.config.clientId,
        undefined,
        oidc.ClientSecretBasic(this.config.clientSecret),
        {
          timeout: 10,
          execute: isLoopbackHost(new URL(this.config.issuer).hostname) ? [oidc.allowInsecureRequests] : [],
        },
      )
      .catch((err: unknown) => {
        this.discovered = undefined;
        this.deps.log.error({ err, issuer: this.config.issuer }, "OpenID discovery failed");
        throw unavailable(`The identity provider (${this.config.name}) cannot be reached; try again shortly.`);
      });
    return this.discovered;
  }

  /** A new attempt: the URL to send the browser to and the key its cookie keeps. */
  async start(props: {
    redirectUri: string;
    next: string;
    linkUserId?: number;
  }): Promise<{ url: string; key: string; maxAgeMs: number }> {
    const config = await this.configuration();
    const key = crypto.randomBytes(32).toString("base64url");
    const a: Attempt = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      code_verifier: oidc.randomPKCECodeVerifier(),
      redirect_uri: props.redirectUri,
      next_path: props.next,
      link_user_id: props.linkUserId ?? null,
    };
    const now = Date.now();
    this.deps.db.run("DELETE FROM sso_attempts WHERE expires_at <= ?", [new Date(now).toISOString()]);
    this.deps.db.run(
      "INSERT INTO sso_attempts (key_hash, state, nonce, code_verifier, redirect_uri, next_path, link_user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [
        hashToken(key),
        a.state,
        a.nonce,
        a.code_verifier,
        a.redirect_uri,
        a.next_path,
        a.link_user_id,
        new Date(now).toISOString(),
        new Date(now + ATTEMPT_MS).toISOString(),
      ],
    );
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: a.redirect_uri,
      scope: this.config.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(a.code_verifier),
      code_challenge_method: "S256",
      state: a.state,
      nonce: a.nonce,
    });
    return { url: url.href, key, maxAgeMs: ATTEMPT_MS };
  }

  /**
   * The callback: uses the attempt up (a replayed callback finds none), redeems the code,
   * applies the lab's rules and returns the account to sign in. Throws SsoRefusal.
   */
  async finish(props: {
    key: string | undefined;
    query: URLSearchParams;
  }): Promise<{ user: User; next: string; linked: boolean; created: boolean; idToken: string | undefined }> {
    const attempt = props.key ? this.take(props.key) : undefined;
    if (!attempt)
      throw new SsoRefusal("expired", "This sign-in link was already used or has expired; start the sign-in again.");
    try {
      return await this.redeem(attempt, props.query);
    } catch (err) {
      if (err instanceof SsoRefusal && attempt.link_user_id !== null) err.page = "/account";
      throw err;
    }
  }

  private async redeem(
    attempt: Attempt,
    query: URLSearchParams,
  ): Promise<{ user: User; next: string; linked: boolean; created: boolean; idToken: string | undefined }> {
    const config = await this.configuration();
    const error = query.get("error");
    if (error) throw new SsoRefusal("provider", `The identity provider refused the sign-in (${error.slice(0, 60)}).`);
    const current = new URL(attempt.redirect_uri);
    for (const [k, v] of query) current.searchParams.append(k, v);
    let claims: Claims;
    let idToken: string | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: attempt.code_verifier,
        expectedState: attempt.state,
        expectedNonce: attempt.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims()!;
      idToken = tokens.id_token;
      // Providers put email and groups in the ID token or only behind userinfo; ask both.
      const info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      claims = { ...info, ...idClaims } as Claims;
    } catch (err) {
      throw refusalOf(err);
    }
    return { ...this.admit(claims, attempt), next: attempt.next_path, idToken };
  }

  /**
   * Where to send the browser so the provider ends its session too, for a session signed in
   * through it (undefined when the provider offers no end-session endpoint).
   */
  async endSessionUrl(sessionId: string, postLogoutRedirectUri: string): Promise<string | undefined> {
    const row = this.deps.db.get<{ sso_id_token: string | null }>("SELECT sso_id_token FROM sessions WHERE id = ?", [
      sessionId,
    ]);
    if (!row?.sso_id_token) return undefined;
    const config = await this.configuration().catch(() => undefined);
    if (!config?.serverMetadata().end_session_endpoint) return undefined;
    return oidc.buildEndSessionUrl(config, {
      id_token_hint: row.sso_id_token,
      post_logout_redirect_uri: postLogoutRedirectUri,
    }).href;
  }

  /** Remembers the ID token of a session just signed in through the provider. */
  rememberIdToken(sessionId: string, idToken: string | undefined): void {
    if (idToken) this.deps.db.run("UPDATE sessions SET sso_id_token = ? WHERE id = ?", [idToken, sessionId]);
  }

  private take(key: string): Attempt | undefined {
    return this.deps.db.transaction(() => {
      const row = this.deps.db.get<Attempt & { expires_at: string }>("SELECT * FROM sso_attempts WHERE key_hash = ?", [
        hashToken(key),
      ]);
      if (!row) return undefined;
      this.deps.db.run("DELETE FROM sso_attempts WHERE key_hash = ?", [hashToken(key)]);
      return Date.parse(row.expires_at) > Date.now() ? row : undefined;
    });
  }

  /** The lab's rules on a verified answer: required claim, verified email, domain, then the account. */
  private admit(claims: Claims, attempt: Attempt): { user: User; linked: boolean; created: boolean } {
    const c = this.config;
    if (c.requiredClaim) {
      const v = claims[c.requiredClaim.name];
      const has =
        c.requiredClaim.value === undefined
          ? v !== undefined && v !== null && v !== false && v !== ""
          : Array.isArray(v)
            ? v.map(String).includes(c.requiredClaim.value)
            : String(v) === c.requiredClaim.value;
      if (!has)
        throw new SsoRefusal(
          "required-claim",
          `Your ${c.name} account lacks what this lab requires (${c.requiredClaim.name}); ask your administrator for access.`,
        );
    }
    const email = typeof claims.email === "string" ? claims.email.toLowerCase() : "";
    if (!email || claims.email_verified !== true)
      throw new SsoRefusal(
        "unverified-email",
        `${c.name} did not confirm your email address as verified; verify it there, then sign in again.`,
      );
    const domain = email.split("@")[1] ?? "";
    if (c.allowedDomains.length && !c.allowedDomains.includes(domain))
      throw new SsoRefusal("domain", `Accounts of ${domain} may not sign in to this lab.`);
    const role = roleFor(claims[c.groupsClaim], c.roleMap);
    const result = linkOrCreate(this.deps.db, {
      issuer: c.issuer,
      subject: claims.sub,
      email,
      displayName: typeof claims.name === "string" && claims.name.trim() ? claims.name.trim() : email.split("@")[0]!,
      role: role ?? "learner",
      linkUserId: attempt.link_user_id,
      linkByEmail: c.linkByEmail,
      providerName: c.name,
    });
    // Roles follow the provider's groups at every sign-in, when the lab maps groups at all.
    if (role && !result.created) syncRole(this.deps, result.user, role);
    return { ...result, user: role && !result.created ? { ...result.user, role } : result.user };
  }
}

const RANK: Record<Role, number> = { candidate: 0, learner: 1, instructor: 2, admin: 3 };

/** The highest role any of the groups maps to; undefined when the lab maps no groups. */
export function roleFor(groups: unknown, map: SsoConfig["roleMap"]): Role | undefined {
  if (Object.keys(map).length === 0) return undefined;
  const names = Array.isArray(groups) ? groups.map(String) : typeof groups === "string" ? [groups] : [];
  let best: Role = "learner";
  for (const g of names) {
    const r = map[g];
    if (r && RANK[r] > RANK[best]) best = r;
  }
  return best;
}

/** openid-client's checks failing, said for the person at the sign-in page. */
function refusalOf(err: unknown): SsoRefusal {
  const msg = err instanceof Error ? err.message : String(err);
  // openid-client wraps oauth4webapi's error, whose message and cause name what failed.
  const inner = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const why = `${msg} ${inner?.message ?? ""} ${JSON.stringify((inner?.cause as { claim?: string } | undefined)?.claim ?? "")}`;
  if (/"state"/.test(why))
    return new SsoRefusal("state", "The sign-in answer did not belong to this sign-in (state mismatch); start again.");
  if (/nonce/i.test(why))
    return new SsoRefusal(
      "nonce",
      "The identity provider's token was not issued for this sign-in (nonce); start again.",
    );
  if (err instanceof oidc.ResponseBodyError)
    return new SsoRefusal("provider", `The identity provider refused the sign-in (${err.error}); start again.`);
  return new SsoRefusal("provider", `The identity provider's answer was refused: ${msg.slice(0, 160)}`);
}

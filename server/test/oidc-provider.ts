import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/**
 * A real OpenID provider for tests: panva's certified `oidc-provider` on loopback (port 0),
 * with one confidential client, accounts the test defines, and a plain sign-in form (no
 * consent screen: the grant is made when the person signs in). Nothing here is a stand-in
 * for the protocol: discovery, JWKS, signed ID tokens, PKCE, code redemption and userinfo
 * are the provider's own.
 */

export type IdpAccount = {
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
  /** Any further claim (a required claim under test). */
  [claim: string]: unknown;
};

export const IDP_CLIENT = { id: "backlab-test", secret: "backlab-test-secret-0123456789abcdef" };

export type TestIdp = {
  issuer: string;
  /** Accounts by login name (also the subject); tests add and change them freely. */
  accounts: Map<string, IdpAccount>;
  /** Registers the lab's callback URL (known once the lab listens) and starts answering. */
  allow(redirectUri: string): void;
  close(): Promise<void>;
};

export async function startTestIdp(): Promise<TestIdp> {
  const accounts = new Map<string, IdpAccount>();
  let provider: Provider | undefined;
  let handler: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined;
  const server = http.createServer((req, res) => {
    if (!handler) {
      res.writeHead(503).end("the test provider has no client yet");
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const interactions = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const p = provider!;
    const details = await p.interactionDetails(req, res);
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(
        `<!doctype html><title>Test IdP</title><h1>Test identity provider</h1>
<form method="post" action="/interaction/${details.uid}"><label>Login <input name="login" autofocus></label>
<button type="submit">Continue</button></form>`,
      );
      return;
    }
    const body = await new Promise<string>((resolve) => {
      let s = "";
      req.on("data", (c: Buffer) => (s += c.toString()));
      req.on("end", () => resolve(s));
    });
    const login = new URLSearchParams(body).get("login") ?? "";
    if (!accounts.has(login)) {
      await p.interactionFinished(req, res, { error: "access_denied", error_description: "unknown test account" });
      return;
    }
    const grant = new p.Grant({ accountId: login, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    await p.interactionFinished(
      req,
      res,
      { login: { accountId: login }, consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: false },
    );
  };

  return {
    issuer,
    accounts,
    allow(redirectUri) {
      // Its own signing key (the provider's built-in one is for quick starts and says so).
      const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
      provider = new Provider(issuer, {
        jwks: { keys: [{ ...privateKey.export({ format: "jwk" }), kid: "test", alg: "RS256", use: "sig" }] },
        clients: [
          {
            client_id: IDP_CLIENT.id,
            client_secret: IDP_CLIENT.secret,
            redirect_uris: [redirectUri],
            // The lab's sign-in page, where the provider's sign-out sends the browser back.
            post_logout_redirect_uris: [new URL("/login", redirectUri).href],
            grant_types: ["authorization_code"],
            response_types: ["code"],
          },
        ],
        pkce: { required: () => true, methods: ["S256"] },
        claims: {
          openid: ["sub"],
          email: ["email", "email_verified"],
          profile: ["name"],
          groups: ["groups"],
          lab: ["lab_access"],
        },
        features: { devInteractions: { enabled: false } },
        interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
        cookies: { keys: ["backlab-test-idp-cookie-key"] },
        findAccount: (_ctx, id) => {
          const account = accounts.get(id);
          if (!account) return undefined;
          return { accountId: id, claims: () => ({ sub: id, ...account }) };
        },
      });
      const callback = provider.callback();
      handler = (req, res) => {
        if (req.url?.startsWith("/interaction/")) {
          interactions(req, res).catch((err: unknown) => {
            res.writeHead(500).end(String(err));
          });
          return;
        }
        callback(req, res);
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

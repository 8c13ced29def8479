// The registered clients. All three are public clients (a single-page app, a web app's browser
// side, a mobile app): they cannot keep a secret, so PKCE is what proves that the client
// redeeming a code is the one that asked for it.

export type Client = {
  id: string;
  name: string;
  /** Compared with the request's redirect_uri by exact string equality, nothing else. */
  redirectUris: string[];
  /** The scopes this client may ask for. */
  scopes: string[];
  /** Granted when the request has no scope parameter. */
  defaultScope: string;
};

const CLIENTS: Client[] = [
  {
    id: "photo-app",
    name: "Photo printing (single-page app)",
    redirectUris: ["https://photos.example/callback"],
    scopes: ["profile", "photos:read"],
    defaultScope: "profile",
  },
  {
    id: "notes-web",
    name: "Notes (web app)",
    // A registered redirect URI may carry a query of its own; it must be kept (RFC 6749 §3.1.2).
    redirectUris: ["https://notes.example/oauth/callback?tenant=acme"],
    scopes: ["profile", "notes:read", "notes:write"],
    defaultScope: "profile",
  },
  {
    id: "mobile-app",
    name: "Mobile app",
    redirectUris: ["com.example.mobile:/oauth2redirect", "https://mobile.example/oauth2redirect"],
    scopes: ["profile", "photos:read", "notes:read"],
    defaultScope: "profile",
  },
];

export function findClient(id: string): Client | undefined {
  return CLIENTS.find((c) => c.id === id);
}

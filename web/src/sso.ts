import type { RefusalCode } from "../../server/contract/sso.ts";

/** What the lab's callback said when it refused a sign-in through the provider (`?sso=<code>`). */
const REFUSALS: Record<RefusalCode, string> = {
  expired: "That sign-in had already been used or had expired. Start it again.",
  state: "That sign-in answer did not belong to this browser's sign-in, so it was refused. Start again.",
  nonce: "The identity provider's token was not issued for this sign-in, so it was refused. Start again.",
  provider: "The identity provider did not complete the sign-in. Start again; if it keeps failing, ask an admin.",
  "unverified-email":
    "Your identity provider has not verified your email address. Verify it there, then sign in again.",
  domain: "Accounts of your email's domain may not sign in to this lab.",
  "required-claim": "Your organisation account does not have access to this lab. Ask your administrator for access.",
  disabled: "This account is disabled. Ask an admin.",
  "link-required":
    "An account with your email already exists. Sign in with its password, then link single sign-on on your Account page.",
  "already-linked": "That identity is already linked to another account.",
};

export function ssoRefusal(): string | null {
  const code = new URLSearchParams(window.location.search).get("sso");
  return code && code in REFUSALS ? REFUSALS[code as RefusalCode] : null;
}

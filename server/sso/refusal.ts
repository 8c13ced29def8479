/** Why a sign-in through the provider was refused; the sign-in page explains each one. */
export type RefusalCode =
  | "expired"
  | "state"
  | "nonce"
  | "provider"
  | "unverified-email"
  | "domain"
  | "required-claim"
  | "disabled"
  | "link-required"
  | "already-linked";

export class SsoRefusal extends Error {
  /** The page that says why: the sign-in page, or the account page for a refused link. */
  page = "/login";

  constructor(
    readonly code: RefusalCode,
    detail: string,
  ) {
    super(detail);
  }
}

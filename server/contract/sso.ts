/** Single sign-on as the web app sees it: why a sign-in through the provider was refused. */
export type { RefusalCode } from "../sso/refusal.ts";

import { useSyncExternalStore } from "react";

/** Minimal History API router: a path store plus helpers. */
const NAV_EVENT = "backlab:navigate";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  window.addEventListener(NAV_EVENT, onChange);
  return () => {
    window.removeEventListener("popstate", onChange);
    window.removeEventListener(NAV_EVENT, onChange);
  };
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** The current query string (with its "?"), for pages that keep their state in the URL. */
export function useSearch(): string {
  return useSyncExternalStore(subscribe, () => window.location.search);
}

/** Replaces the query string without a new history entry (filters, as they are typed). */
export function setSearch(params: URLSearchParams): void {
  const q = params.toString();
  const to = window.location.pathname + (q ? `?${q}` : "");
  if (to === window.location.pathname + window.location.search) return;
  window.history.replaceState(null, "", to);
  window.dispatchEvent(new Event(NAV_EVENT));
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search) return;
  if (opts.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  window.dispatchEvent(new Event(NAV_EVENT));
  window.scrollTo(0, 0);
}

export type Route =
  | { name: "catalog" }
  | { name: "login" }
  | { name: "signup" }
  | { name: "exercise"; id: string }
  | { name: "progress" }
  | { name: "userProgress"; id: string }
  | { name: "account" }
  | { name: "admin" }
  | { name: "webhooks" }
  | { name: "firstAdmin" }
  | { name: "resetPassword" }
  | { name: "join"; code: string }
  | { name: "cohort"; id: number }
  | { name: "teach" }
  | { name: "room"; id: number }
  | { name: "take"; token: string }
  | { name: "assessment" }
  | { name: "hire" }
  | { name: "hireAssessment"; id: number }
  | { name: "hireCandidate"; id: number; candidateId: number }
  | { name: "notFound" };

export function matchRoute(path: string): Route {
  const clean = path.length > 1 ? path.replace(/\/+$/, "") : path;
  if (clean === "/") return { name: "catalog" };
  if (clean === "/login") return { name: "login" };
  if (clean === "/signup") return { name: "signup" };
  if (clean === "/progress") return { name: "progress" };
  const up = /^\/users\/(\d+)\/progress$/.exec(clean);
  if (up?.[1]) return { name: "userProgress", id: up[1] };
  if (clean === "/account") return { name: "account" };
  if (clean === "/admin") return { name: "admin" };
  if (clean === "/admin/webhooks" || clean === "/teach/webhooks") return { name: "webhooks" };
  if (clean === "/first-admin") return { name: "firstAdmin" };
  if (clean === "/reset-password") return { name: "resetPassword" };
  const join = /^\/join\/([A-Za-z0-9_-]{8,43})$/.exec(clean);
  if (join?.[1]) return { name: "join", code: join[1] };
  const cohort = /^\/cohorts\/(\d{1,10})$/.exec(clean);
  if (cohort?.[1]) return { name: "cohort", id: Number(cohort[1]) };
  if (clean === "/teach") return { name: "teach" };
  const room = /^\/teach\/(\d{1,10})$/.exec(clean);
  if (room?.[1]) return { name: "room", id: Number(room[1]) };
  const take = /^\/take\/([A-Za-z0-9_-]{43})$/.exec(clean);
  if (take?.[1]) return { name: "take", token: take[1] };
  if (clean === "/assessment") return { name: "assessment" };
  if (clean === "/hire") return { name: "hire" };
  const hire = /^\/hire\/(\d{1,10})(?:\/candidates\/(\d{1,10}))?$/.exec(clean);
  if (hire?.[1])
    return hire[2]
      ? { name: "hireCandidate", id: Number(hire[1]), candidateId: Number(hire[2]) }
      : { name: "hireAssessment", id: Number(hire[1]) };
  // `/exercises/<area>/<slug>` too: the folder's name, as the README and exercise authors write it.
  const m = /^\/exercises\/(?:[a-z0-9-]+\/)?([^/]+)$/.exec(clean);
  if (m?.[1]) return { name: "exercise", id: decodeURIComponent(m[1]) };
  return { name: "notFound" };
}

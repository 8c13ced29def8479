import type { ExerciseSummary } from "../api.ts";

/** The catalog's filters, as they stand in the URL query. */
export interface Filters {
  area: string;
  difficulty: string;
  status: string;
  q: string;
}

/**
 * Whether an exercise passes the filters. The search words must each occur in its title,
 * summary, topics (with its grader kinds: "security", "mutation"), id, area or difficulty:
 * people search by what an exercise is about ("jwt", "owasp"), not only by its title.
 */
export function matches(ex: ExerciseSummary, f: Filters, areaTitle: string): boolean {
  if (f.area && ex.area !== f.area) return false;
  if (f.difficulty && ex.difficulty !== f.difficulty) return false;
  if (f.status && ex.status !== f.status) return false;
  const words = f.q.toLowerCase().split(/\s+/).filter(Boolean);
  const text = [ex.title, ex.summary, ...ex.topics, ex.id, areaTitle, ex.difficulty].join(" \u0000 ").toLowerCase();
  return words.every((w) => text.includes(w));
}

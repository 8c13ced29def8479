/** The cohort tables' rows and the clock rules shared by the cohort service, joins and pacing access. */

export type CohortRow = {
  id: number;
  owner_id: number;
  name: string;
  description: string;
  starts_at: string | null;
  ends_at: string | null;
  seats: number;
  hints: number;
  solution: "never" | "after_pass" | "after_end";
  leaderboard: "off" | "names" | "pseudonyms";
  join_code: string | null;
  join_code_expires_at: string | null;
  created_at: string;
  purged_at: string | null;
};
export type TrackRow = { exercise_id: string; position: number; unlocked_at: string | null; unlock_at: string | null };

export const now = () => new Date().toISOString();

export const isUnlocked = (t: { unlocked_at: string | null; unlock_at: string | null }, at = Date.now()) =>
  t.unlocked_at !== null || (t.unlock_at !== null && Date.parse(t.unlock_at) <= at);
export const hasEnded = (c: { ends_at: string | null }, at = Date.now()) =>
  c.ends_at !== null && Date.parse(c.ends_at) <= at;

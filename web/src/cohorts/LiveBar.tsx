import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../api.ts";
import { cohortsApi, memberships, type Broadcast, type CohortSummary, type Takeover } from "./api.ts";
import { useCohortEvents } from "./useCohortEvents.ts";
import "./cohorts.css";

const DISMISSED = "backlab.broadcast.dismissed";

const newer = (a: Broadcast | null, b: Broadcast | null) => (!a || (b && b.id > a.id) ? b : a);

/**
 * What a cohort member sees on every page: the instructor's latest broadcast as a banner
 * (plain text: React renders it as a text node, never as HTML), and take-over requests of
 * their terminal to accept or decline, with a bar while one is active.
 */
export function LiveBar() {
  const [cohorts, setCohorts] = useState<CohortSummary[]>([]);
  useEffect(() => {
    // Only the newest answer counts: one sent before a join may arrive after the one sent after it.
    let latest = 0;
    const load = () => {
      const n = ++latest;
      return cohortsApi.mine().then(
        (r) => n === latest && setCohorts(r.cohorts.filter((c) => !c.ended)),
        () => n === latest && setCohorts([]),
      );
    };
    void load();
    memberships.addEventListener("changed", load);
    return () => memberships.removeEventListener("changed", load);
  }, []);
  return (
    <>
      {cohorts.map((c) => (
        <CohortLive key={c.id} cohort={c} />
      ))}
    </>
  );
}

function CohortLive({ cohort }: { cohort: CohortSummary }) {
  const [broadcast, setBroadcast] = useState<Broadcast | null>(null);
  const [takeovers, setTakeovers] = useState<Takeover[]>([]);
  const [error, setError] = useState<string | null>(null);
  const dismissed = Number(sessionStorage.getItem(`${DISMISSED}.${cohort.id}`) ?? 0);

  useEffect(() => {
    cohortsApi.me(cohort.id).then(
      (v) => {
        // The stream may have delivered something newer while this request was on its way.
        setBroadcast((b) => newer(b, v.broadcasts[0] ?? null));
        setTakeovers((all) => [...v.takeovers.filter((t) => !all.some((x) => x.id === t.id)), ...all]);
      },
      () => undefined,
    );
  }, [cohort.id]);

  useCohortEvents(cohortsApi.eventsUrl(cohort.id), (e) => {
    if (e.type === "broadcast") setBroadcast((b) => newer(b, e.broadcast));
    if (e.type === "takeover") setTakeovers((all) => [...all.filter((t) => t.id !== e.takeover.id), e.takeover]);
  });

  const answer = useCallback(
    (t: Takeover, action: "accept" | "decline" | "end") => {
      setError(null);
      cohortsApi.answerTakeover(cohort.id, t.id, action).then(
        (r) => setTakeovers((all) => [...all.filter((x) => x.id !== t.id), r.takeover]),
        (err: unknown) => setError(errorMessage(err)),
      );
    },
    [cohort.id],
  );

  const live = takeovers.filter((t) => t.state === "requested" || t.state === "active");
  const [, rerender] = useState(0);
  return (
    <div className="cohort-live">
      {broadcast && broadcast.id > dismissed && (
        <div className="broadcast-banner" role="status" aria-live="polite" data-testid="broadcast-banner">
          <span className="broadcast-from">
            {cohort.name} · {broadcast.author}:
          </span>{" "}
          <span className="broadcast-text">{broadcast.text}</span>
          <button
            type="button"
            className="btn btn-ghost btn-small"
            aria-label="Dismiss the message"
            onClick={() => {
              sessionStorage.setItem(`${DISMISSED}.${cohort.id}`, String(broadcast.id));
              rerender((n) => n + 1);
            }}
          >
            ×
          </button>
        </div>
      )}
      {live.map((t) =>
        t.state === "requested" ? (
          <div
            key={t.id}
            className="takeover-bar takeover-ask"
            role="alertdialog"
            aria-label="Take-over request"
            data-testid="takeover-request"
          >
            <span>
              <strong>{t.instructor}</strong> asks to type in your terminal for <strong>{t.exerciseId}</strong>. You
              will see everything they type, and you can end it at any time.
            </span>
            <button type="button" className="btn btn-primary btn-small" onClick={() => answer(t, "accept")}>
              Allow
            </button>
            <button type="button" className="btn btn-small" onClick={() => answer(t, "decline")}>
              Decline
            </button>
          </div>
        ) : (
          <div key={t.id} className="takeover-bar takeover-active" role="status" data-testid="takeover-active">
            <span>
              <strong>{t.instructor}</strong> is typing in your terminal for <strong>{t.exerciseId}</strong>.
            </span>
            <button type="button" className="btn btn-small" onClick={() => answer(t, "end")}>
              End take-over
            </button>
          </div>
        ),
      )}
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

import { useCallback, useEffect, useState } from "react";
import type { AssessmentView, BoardRow, InvitedView, SimilarityPair } from "../../../server/contract/assessments.ts";
import { errorMessage, request } from "../api.ts";
import { Link } from "../components/Link.tsx";
import "./assessments.css";

const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
const minutesOf = (ms: number | null) => (ms === null ? "—" : `${(ms / 60_000).toFixed(1)} min`);

/** The reviewer's list of assessments and the form that creates one. */
export function HirePage() {
  const [list, setList] = useState<AssessmentView[] | null>(null);
  const [exercises, setExercises] = useState<{ id: string; title: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    request<{ assessments: AssessmentView[] }>("GET", "/api/assessments").then(
      (r) => setList(r.assessments),
      (e: unknown) => setError(errorMessage(e)),
    );
  }, []);
  useEffect(() => {
    load();
    request<{ exercises: { id: string; title: string }[] }>("GET", "/api/exercises").then(
      (r) => setExercises(r.exercises),
      () => undefined,
    );
  }, [load]);

  const create = async (form: HTMLFormElement) => {
    const f = new FormData(form);
    const rubric = String(f.get("rubric") ?? "")
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => {
        const [name, ...rest] = l.split(":");
        return { name: name!.trim(), description: rest.join(":").trim() };
      });
    try {
      const r = await request<{ assessment: AssessmentView }>("POST", "/api/assessments", {
        title: f.get("title"),
        exercises: [{ id: f.get("exercise") }],
        durationMinutes: Number(f.get("duration")),
        opensAt: new Date(String(f.get("opens"))).toISOString(),
        closesAt: new Date(String(f.get("closes"))).toISOString(),
        visibility: f.get("visibility"),
        feedbackSubmissions: Number(f.get("feedback")),
        hintsAllowed: f.get("hints") === "on",
        rubric,
      });
      window.history.pushState(null, "", `/hire/${r.assessment.id}`);
      window.dispatchEvent(new Event("backlab:navigate"));
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <main className="page hire" id="main">
      <h1>Assessments</h1>
      {error ? (
        <p className="alert" role="alert">
          {error}
        </p>
      ) : null}
      {list?.length ? (
        <ul className="hire-list">
          {list.map((a) => (
            <li key={a.id}>
              <Link href={`/hire/${a.id}`}>{a.title}</Link>{" "}
              <span className="muted">{`${a.durationMinutes} min · closes ${new Date(a.closesAt).toLocaleString()}`}</span>
            </li>
          ))}
        </ul>
      ) : list ? (
        <p className="muted">No assessments yet.</p>
      ) : null}
      <h2>New assessment</h2>
      <form
        className="hire-form"
        onSubmit={(e) => {
          e.preventDefault();
          void create(e.currentTarget);
        }}
      >
        <label>
          Title <input name="title" required maxLength={120} />
        </label>
        <label>
          Exercise
          <select name="exercise" required>
            {exercises.map((x) => (
              <option key={x.id} value={x.id}>
                {x.title}
              </option>
            ))}
          </select>
        </label>
        <label>
          Duration (minutes) <input name="duration" type="number" min={1} max={1440} defaultValue={90} required />
        </label>
        <label>
          Opens <input name="opens" type="datetime-local" defaultValue={local(new Date())} required />
        </label>
        <label>
          Closes{" "}
          <input
            name="closes"
            type="datetime-local"
            defaultValue={local(new Date(Date.now() + 7 * 86_400_000))}
            required
          />
        </label>
        <label>
          Candidates see
          <select name="visibility" defaultValue="test-names">
            <option value="nothing">nothing</option>
            <option value="test-names">test names</option>
            <option value="full">full feedback</option>
          </select>
        </label>
        <label>
          Feedback submissions <input name="feedback" type="number" min={0} max={100} defaultValue={3} />
        </label>
        <label className="check">
          <input name="hints" type="checkbox" /> Hints allowed
        </label>
        <label className="wide">
          Rubric (one criterion per line, “name: description”, each scored 1–5)
          <textarea
            name="rubric"
            rows={3}
            defaultValue={"Correctness: does what the brief asks\nDesign: clear boundaries and names"}
          />
        </label>
        <button type="submit" className="btn btn-primary">
          Create assessment
        </button>
      </form>
    </main>
  );
}

/** One assessment: invites, the board (sortable), exports, similarity. */
export function AssessmentBoard({ id }: { id: number }) {
  const [a, setA] = useState<AssessmentView | null>(null);
  const [rows, setRows] = useState<BoardRow[]>([]);
  const [sort, setSort] = useState<{ by: string; order: "asc" | "desc" }>({ by: "pseudonym", order: "asc" });
  const [invited, setInvited] = useState<InvitedView[]>([]);
  const [pairs, setPairs] = useState<SimilarityPair[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    request<{ assessment: AssessmentView }>("GET", `/api/assessments/${id}`).then(
      (r) => setA(r.assessment),
      (e: unknown) => setError(errorMessage(e)),
    );
    request<{ candidates: BoardRow[] }>(
      "GET",
      `/api/assessments/${id}/candidates?sort=${sort.by}&order=${sort.order}`,
    ).then(
      (r) => setRows(r.candidates),
      (e: unknown) => setError(errorMessage(e)),
    );
    request<{ pairs: SimilarityPair[] }>("GET", `/api/assessments/${id}/similarity`).then(
      (r) => setPairs(r.pairs.filter((p) => p.flagged)),
      () => undefined,
    );
  }, [id, sort]);
  useEffect(() => {
    load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, [load]);

  const invite = async (form: HTMLFormElement) => {
    const csv = String(new FormData(form).get("csv") ?? "").trim();
    try {
      const r =
        csv.includes("\n") || csv.includes(",")
          ? await request<{ invited: InvitedView[] }>("POST", `/api/assessments/${id}/invites/csv`, { csv })
          : await request<{ invited: InvitedView[] }>("POST", `/api/assessments/${id}/invites`, {
              candidates: Array.from({ length: Math.max(1, Number(csv) || 1) }, () => ({})),
            });
      setInvited(r.invited);
      setError(null);
      load();
    } catch (err) {
      const rowsInfo = (err as { problem?: { rows?: { row: number; errors: string[] }[] } }).problem?.rows;
      setError(
        `${errorMessage(err)}${rowsInfo?.length ? ` ${rowsInfo.map((r) => `Line ${r.row}: ${r.errors.join("; ")}`).join(" · ")}` : ""}`,
      );
    }
  };
  const head = (by: string, label: string) => (
    <th scope="col" aria-sort={sort.by === by ? (sort.order === "asc" ? "ascending" : "descending") : "none"}>
      <button
        type="button"
        className="link-button"
        onClick={() => setSort({ by, order: sort.by === by && sort.order === "asc" ? "desc" : "asc" })}
      >
        {label}
      </button>
    </th>
  );

  return (
    <main className="page hire" id="main">
      <p>
        <Link href="/hire">All assessments</Link>
      </p>
      <h1>{a?.title ?? "Assessment"}</h1>
      {a ? (
        <p className="muted">{`${a.durationMinutes} min · window ${new Date(a.opensAt).toLocaleString()} – ${new Date(a.closesAt).toLocaleString()} · candidates see ${a.visibility} · ${a.feedbackSubmissions} checks`}</p>
      ) : null}
      {error ? (
        <p className="alert" role="alert">
          {error}
        </p>
      ) : null}
      <h2>Invite</h2>
      <form
        className="invite-form"
        onSubmit={(e) => {
          e.preventDefault();
          void invite(e.currentTarget);
        }}
      >
        <label>
          How many pseudonymous candidates, or CSV with a <code>name,email</code> header
          <textarea name="csv" rows={3} defaultValue="2" />
        </label>
        <button type="submit" className="btn">
          Make invite links
        </button>
      </form>
      {invited.length ? (
        <ul className="invite-links" aria-label="New invite links">
          {invited.map((x) => (
            <li key={x.candidateId}>
              <strong>{x.pseudonym}</strong> {x.name ?? ""}{" "}
              <input readOnly value={x.url} aria-label={`Invite link for ${x.pseudonym}`} />
            </li>
          ))}
        </ul>
      ) : null}
      <h2>Candidates</h2>
      <p>
        <a href={`/api/assessments/${id}/export?format=csv`} download>
          Export CSV
        </a>{" "}
        ·{" "}
        <a href={`/api/assessments/${id}/export?format=json`} download>
          Export JSON
        </a>
      </p>
      <table className="data-table board" data-testid="board">
        <thead>
          <tr>
            {head("pseudonym", "Candidate")}
            {head("status", "Status")}
            {head("timeUsedMs", "Time used")}
            {head("score", "Score")}
            <th scope="col">By category</th>
            {head("flags", "Flags")}
            {head("rubricAverage", "Rubric")}
            {head("decision", "Decision")}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>
                <Link href={`/hire/${id}/candidates/${r.id}`}>{r.pseudonym}</Link>
                {r.name ? <span className="muted"> {r.name}</span> : null}
              </td>
              <td>{r.status}</td>
              <td>{minutesOf(r.timeUsedMs)}</td>
              <td>{r.score === null ? "—" : `${r.score} / ${r.maxScore}`}</td>
              <td>
                {Object.entries(r.categories)
                  .map(([c, s]) => `${c} ${s.score}/${s.max}`)
                  .join(", ") || "—"}
              </td>
              <td>
                {r.flags.length
                  ? r.flags.map((f) => (
                      <span key={f} className="flag">
                        {f}
                      </span>
                    ))
                  : "—"}
              </td>
              <td>{r.rubricAverage ?? "—"}</td>
              <td>{r.decision ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pairs.length ? (
        <>
          <h2>Similar code</h2>
          <p className="muted">Evidence for a person to weigh, never a verdict: about one flag in seven is wrong.</p>
          <SimilarityList pairs={pairs} />
        </>
      ) : null}
    </main>
  );
}

export function SimilarityList({ pairs }: { pairs: SimilarityPair[] }) {
  return (
    <div className="similarity" data-testid="similarity">
      {pairs.map((p) => (
        <details key={`${p.exerciseId}:${p.left}:${p.right}`}>
          <summary>
            {p.left} ↔ {p.right}: {Math.round(p.similarity * 100)}% similar ({p.fragments.length} fragment
            {p.fragments.length === 1 ? "" : "s"})
          </summary>
          {p.fragments.slice(0, 10).map((f, i) => (
            <div className="fragment" key={i}>
              <figure>
                <figcaption>{`${p.left}, lines ${f.left.startRow + 1}–${f.left.endRow + 1}`}</figcaption>
                <pre>{f.left.text}</pre>
              </figure>
              <figure>
                <figcaption>{`${p.right}, lines ${f.right.startRow + 1}–${f.right.endRow + 1}`}</figcaption>
                <pre>{f.right.text}</pre>
              </figure>
            </div>
          ))}
        </details>
      ))}
    </div>
  );
}

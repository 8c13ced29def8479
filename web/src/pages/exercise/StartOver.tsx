import { useEffect, useRef, useState } from "react";
import { errorMessage } from "../../api.ts";
import { snapshotsApi, type Snapshot } from "../../workspace/snapshotsApi.ts";

function size(bytes: number): string {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * "Start over": the workspace back to the starter files, after a confirmation; what was there
 * is kept first as a snapshot, listed here to restore or download.
 */
export function StartOver({ workspaceId }: { workspaceId: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const [snapshots, setSnapshots] = useState<Snapshot[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  useEffect(() => {
    if (!open) return;
    dialog.current?.showModal();
    let cancelled = false;
    snapshotsApi.list(workspaceId).then(
      (r) => !cancelled && setSnapshots(r.snapshots),
      (err: unknown) => !cancelled && setMessage({ ok: false, text: errorMessage(err) }),
    );
    return () => {
      cancelled = true;
    };
  }, [open, workspaceId]);

  const close = () => {
    dialog.current?.close();
    setOpen(false);
    setMessage(null);
  };

  async function act(what: () => Promise<{ snapshot: Snapshot }>, done: (s: Snapshot) => string) {
    setBusy(true);
    setMessage(null);
    try {
      const { snapshot } = await what();
      setMessage({ ok: true, text: done(snapshot) });
      setSnapshots((await snapshotsApi.list(workspaceId)).snapshots);
    } catch (err) {
      setMessage({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button type="button" className="btn btn-small" data-testid="start-over" onClick={() => setOpen(true)}>
        Start over…
      </button>
      {open && (
        <dialog
          ref={dialog}
          className="start-over"
          aria-labelledby="start-over-title"
          data-testid="start-over-dialog"
          onClose={() => setOpen(false)}
        >
          <h2 id="start-over-title">Start over from the starter files?</h2>
          <p>
            Every file of this workspace goes back to how the exercise gave it to you. Your files as they are now are
            kept first, as a snapshot: restore or download it below at any time. Submissions and results stay as they
            are.
          </p>
          <div className="start-over-buttons">
            <button
              type="button"
              className="btn btn-primary"
              data-testid="start-over-confirm"
              disabled={busy}
              onClick={() =>
                void act(
                  () => snapshotsApi.reset(workspaceId),
                  (s) => `The starter files are back. Your files are kept as snapshot ${s.id}.`,
                )
              }
            >
              Reset to the starter
            </button>
            <button type="button" className="btn" data-testid="start-over-close" onClick={close}>
              {message?.ok ? "Close" : "Cancel"}
            </button>
          </div>
          {message && (
            <p
              role={message.ok ? "status" : "alert"}
              className={message.ok ? "notice" : "alert"}
              data-testid="start-over-message"
            >
              {message.text}
            </p>
          )}
          <h3>Snapshots</h3>
          {!snapshots ? (
            <p className="muted">Loading…</p>
          ) : snapshots.length === 0 ? (
            <p className="muted">None yet: one is kept at each reset or restore.</p>
          ) : (
            <ul className="snapshots">
              {snapshots.map((s) => (
                <li key={s.id} data-testid="snapshot" data-id={s.id}>
                  <span>
                    <strong>#{s.id}</strong> {s.reason === "reset" ? "before a reset" : "before a restore"} ·{" "}
                    {new Date(s.createdAt).toLocaleString()} · {s.files} files, {size(s.bytes)}
                  </span>
                  <span className="snapshot-actions">
                    <button
                      type="button"
                      className="btn btn-small"
                      data-testid="snapshot-restore"
                      disabled={busy}
                      onClick={() =>
                        void act(
                          () => snapshotsApi.restore(workspaceId, s.id),
                          (kept) =>
                            `Snapshot ${s.id} is back in the workspace. What was there is kept as snapshot ${kept.id}.`,
                        )
                      }
                    >
                      Restore
                    </button>
                    <a
                      className="btn btn-small"
                      data-testid="snapshot-download"
                      href={snapshotsApi.archiveUrl(workspaceId, s.id)}
                      download
                    >
                      Download .tar
                    </a>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </dialog>
      )}
    </>
  );
}

import type { UnsavedFile } from "../../editor/buffers.ts";

const list = (files: UnsavedFile[]) => files.map((f) => f.path).join(", ");

/**
 * Beside Submit: open files whose edits a submission would not take (it takes what is on
 * disk). A file too large for the editor to save is not told to "save first" (it cannot):
 * it is told what the submission gets instead and what to do.
 */
export function UnsavedWarning({ files }: { files: UnsavedFile[] }) {
  const saveable = files.filter((f) => !f.tooLarge);
  const tooLarge = files.filter((f) => f.tooLarge);
  if (files.length === 0) return null;
  return (
    <p className="unsaved-warning" data-testid="unsaved-warning">
      {saveable.length > 0 && (
        <>
          Unsaved in the editor: {list(saveable)}. A submission takes the files as saved: save first (Ctrl-S, or
          Save).{" "}
        </>
      )}
      {tooLarge.length > 0 && (
        <>
          Too large for the editor to save: {list(tooLarge)}. A submission takes the version on disk; make it smaller,
          or write it from the terminal.
        </>
      )}
    </p>
  );
}

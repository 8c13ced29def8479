import { useCallback, useRef, useState } from "react";
import { errorMessage } from "../api.ts";
import { filesApi, type FileEntry, type Listing } from "../workspace/filesApi.ts";
import { initiallyExpanded } from "./tree.ts";

/** The workspace's listing and which folders are open; a refresh that changed nothing renders nothing. */
export function useWorkspaceTree(ws: string) {
  const [entries, setEntries] = useState<FileEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [limits, setLimits] = useState<Listing["limits"] | null>(null);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const listingKey = useRef("");

  const refresh = useCallback(async () => {
    try {
      const listing = await filesApi.list(ws);
      const key = listing.entries.map((e) => `${e.path}:${e.type}:${e.size}:${e.mtime}`).join("|");
      setError(null);
      setLimits((l) => (l?.maxFileBytes === listing.limits.maxFileBytes ? l : listing.limits));
      if (key === listingKey.current) return;
      const first = listingKey.current === "";
      listingKey.current = key;
      setEntries(listing.entries);
      if (first) setExpanded(initiallyExpanded(listing.entries));
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [ws]);

  const toggle = useCallback(
    (p: string) => setExpanded((e) => (e.has(p) ? new Set([...e].filter((x) => x !== p)) : new Set([...e, p]))),
    [],
  );

  return { entries, error, limits, expanded, setExpanded, toggle, refresh };
}

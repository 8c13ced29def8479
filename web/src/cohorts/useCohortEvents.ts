import { useEffect, useRef } from "react";
import type { CohortEvent } from "../../../server/contract/cohorts.ts";

const TYPES = ["track", "broadcast", "row", "hands", "takeover", "room"] as const;

/** Subscribes to a cohort's server-sent events while mounted; EventSource reconnects by itself. */
export function useCohortEvents(url: string | null, onEvent: (e: CohortEvent) => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (!url) return;
    const source = new EventSource(url, { withCredentials: true });
    const listener = (m: MessageEvent<string>) => {
      try {
        handler.current(JSON.parse(m.data) as CohortEvent);
      } catch {
        /* a malformed event is dropped, the stream goes on */
      }
    };
    for (const t of TYPES) source.addEventListener(t, listener as EventListener);
    return () => source.close();
  }, [url]);
}

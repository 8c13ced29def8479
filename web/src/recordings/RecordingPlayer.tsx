import { useEffect, useRef, useState } from "react";
import type { Player } from "./asciinema.ts";

/** An asciinema player for one recording; disposed when unmounted or given another URL. */
export function RecordingPlayer({ url }: { url: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let cancelled = false;
    let player: Player | null = null;
    // The player's terminal is WebAssembly: a CSP without 'wasm-unsafe-eval' blocks it silently.
    const onViolation = (e: SecurityPolicyViolationEvent) => {
      if (!cancelled && e.blockedURI === "wasm-eval") {
        setError("The lab's Content-Security-Policy blocks the player (its script-src needs 'wasm-unsafe-eval').");
      }
    };
    document.addEventListener("securitypolicyviolation", onViolation);
    import("./asciinema.ts").then(
      ({ createPlayer }) => {
        if (!cancelled) player = createPlayer(url, el);
      },
      () => {
        if (!cancelled) setError("Could not load the player. Reload the page and try again.");
      },
    );
    return () => {
      cancelled = true;
      document.removeEventListener("securitypolicyviolation", onViolation);
      player?.dispose();
      player = null;
    };
  }, [url]);

  return (
    <>
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
      <div className="recording-player" data-testid="recording-player" ref={ref} />
    </>
  );
}

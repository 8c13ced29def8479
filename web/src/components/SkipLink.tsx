import type { MouseEvent } from "react";

/**
 * The first stop of the Tab key: jumps past the header to the page's <main>, whichever page
 * it is (each page renders its own <main>), and moves focus there so the next Tab continues
 * inside the content.
 */
export function SkipLink() {
  function skip(e: MouseEvent<HTMLAnchorElement>) {
    const main = document.querySelector("main");
    if (!main) return;
    e.preventDefault();
    if (!main.hasAttribute("tabindex")) main.setAttribute("tabindex", "-1");
    main.focus();
    main.scrollIntoView();
  }
  return (
    <a className="skip-link" href="#main" onClick={skip} data-testid="skip-link">
      Skip to content
    </a>
  );
}

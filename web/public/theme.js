/* global window, document */
// Applies the remembered theme before the first paint, so a dark page never flashes light.
// A file rather than an inline script: the CSP allows scripts from the lab's origin only.
// web/src/theme.ts owns the same key and keeps the attribute current afterwards.
(function () {
  var choice = null;
  try {
    choice = localStorage.getItem("backlab.theme");
  } catch {
    // storage disabled: follow the system
  }
  var dark = choice === "dark" || (choice !== "light" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.setAttribute("data-theme", dark ? "dark" : "light");
  document.documentElement.style.colorScheme = dark ? "dark" : "light";
})();

/**
 * A tiny template engine: `${…}` expressions in the template are evaluated with `vars` in scope.
 *
 *   render("Hello ${name}!", { name: "Ada" })  →  "Hello Ada!"
 */
export function render(template: string, vars: Record<string, unknown>): string {
  const names = Object.keys(vars);
  const fn = new Function(...names, "return `" + template + "`;");
  return String(fn(...names.map((n) => vars[n])));
}

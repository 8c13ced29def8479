/** `&`, `<`, `>`, `"` and `'` as HTML entities: the text shows as text, never as markup. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A tagged template that HTML-escapes every interpolated value: html`<h1>${title}</h1>`. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? String(values[i]).replace(/<[^>]*>/g, "") : ""), "");
}

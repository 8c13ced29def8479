// The product catalog: names live in this service (fast, in memory); prices come from the
// pricing service (slow, see upstream.ts).

export const PRODUCT_COUNT = 1000;

/** The product's name, or undefined when there is no product with this id (ids are 1 to 1000). */
export function productName(id: number): string | undefined {
  if (!Number.isInteger(id) || id < 1 || id > PRODUCT_COUNT) return undefined;
  return `Product ${id}`;
}

/** The id in a URL, or null when it is not a plain positive integer ("7" yes; "07", "7.0", "x" no). */
export function parseId(raw: string): number | null {
  return /^[1-9][0-9]{0,8}$/.test(raw) ? Number(raw) : null;
}

// The warehouse: items in memory. Reading is instant; a reservation is written to the
// warehouse system, which takes STORE_LATENCY_MS and can be told to give up (signal).
export type Item = { id: string; name: string; category: string; stock: number };

const SEED: Item[] = [
  { id: "item-001", name: "Espresso beans 1 kg", category: "coffee", stock: 40 },
  { id: "item-002", name: "Sencha 100 g", category: "tea", stock: 25 },
  { id: "item-003", name: "Filter papers x100", category: "kit", stock: 80 },
  { id: "item-004", name: "Decaf beans 500 g", category: "coffee", stock: 12 },
  { id: "item-005", name: "Gooseneck kettle", category: "kit", stock: 6 },
  { id: "item-006", name: "Assam 250 g", category: "tea", stock: 30 },
  { id: "item-007", name: "Ethiopia Yirgacheffe 250 g", category: "coffee", stock: 18 },
  { id: "item-008", name: "Hand grinder", category: "kit", stock: 9 },
  { id: "item-009", name: "Colombia Huila 1 kg", category: "coffee", stock: 22 },
  { id: "item-010", name: "Milk jug 350 ml", category: "kit", stock: 15 },
  { id: "item-011", name: "Kenya AA 250 g", category: "coffee", stock: 50 },
  { id: "item-012", name: "Oolong 100 g", category: "tea", stock: 14 },
];

export class OutOfStock extends Error {}
export class UnknownItem extends Error {}

export class Store {
  private readonly items = new Map(SEED.map((i) => [i.id, { ...i }]));
  constructor(readonly commitMs: number) {}

  get(id: string): Item | undefined {
    const item = this.items.get(id);
    return item && { ...item };
  }

  /** Items of `category` ("" = all) in ascending id order. */
  list(category: string): Item[] {
    return [...this.items.values()]
      .filter((i) => category === "" || i.category === category)
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((i) => ({ ...i }));
  }

  /** Takes `quantity` out of the stock after commitMs; an aborted signal before then commits nothing. */
  async reserve(id: string, quantity: number, signal?: AbortSignal): Promise<Item> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, this.commitMs);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(new Error("reservation aborted"));
      }, { once: true });
    });
    signal?.throwIfAborted();
    const item = this.items.get(id);
    if (!item) throw new UnknownItem(id);
    if (item.stock < quantity) throw new OutOfStock(`${id} has ${item.stock} left`);
    item.stock -= quantity;
    return { ...item };
  }
}

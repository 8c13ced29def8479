// The provider's stock at start: 45 items, the same every time.

export type StockItem = { sku: string; name: string; available: number; priceCents: number };

const PRODUCTS = ["Mug", "Notebook", "Pen", "Tote bag", "Sticker pack", "Water bottle", "Hoodie", "Cap", "Poster"];
const COLOURS = ["black", "white", "red", "green", "blue"];

export function seedItems(): StockItem[] {
  const items: StockItem[] = [];
  for (let i = 1; i <= 45; i++) {
    const product = PRODUCTS[(i - 1) % PRODUCTS.length]!;
    const colour = COLOURS[Math.floor((i - 1) / PRODUCTS.length)]!;
    items.push({
      sku: `SKU-${String(i).padStart(3, "0")}`,
      name: `${product}, ${colour}`,
      available: (i * 7) % 13, // some items are out of stock (0)
      priceCents: 350 + ((i * 389) % 4600),
    });
  }
  return items;
}

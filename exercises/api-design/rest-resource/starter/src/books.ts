// The in-memory store.
export type Book = { id: number; title: string; author: string; year: number | null };
export type BookFields = Omit<Book, "id">;

const books = new Map<number, Book>(); // insertion order is id order: ids only grow
let nextId = 1;

export function create(fields: BookFields): Book {
  const book = { id: nextId++, ...fields };
  books.set(book.id, book);
  return book;
}

export const get = (id: number): Book | undefined => books.get(id);

export function replace(id: number, fields: BookFields): Book {
  const book = { id, ...fields };
  books.set(id, book);
  return book;
}

export const remove = (id: number): boolean => books.delete(id);

export const all = (): Book[] => [...books.values()];

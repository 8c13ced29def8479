// The "database": users and notes in memory (they are gone when the service restarts).
import { randomUUID } from "node:crypto";

export type User = {
  id: string;
  username: string;
  displayName: string;
  role: "user" | "admin";
  passwordHash: string;
  createdAt: string;
};

export type Note = {
  id: number;
  ownerId: string;
  title: string;
  body: string;
  /** Public notes have a page anyone can open: GET /notes/:id/view. */
  public: boolean;
  createdAt: string;
  updatedAt: string;
};

const users = new Map<string, User>();
const notes = new Map<number, Note>();
let nextNoteId = 1;

export function createUser(username: string, passwordHash: string): User {
  const user: User = { id: randomUUID(), username, displayName: username, role: "user", passwordHash, createdAt: new Date().toISOString() };
  users.set(user.id, user);
  return user;
}

export const findUser = (id: string) => users.get(id);
export const findUserByName = (username: string) => [...users.values()].find((u) => u.username === username);
export const allUsers = () => [...users.values()];

export function createNote(ownerId: string, fields: { title: string; body: string; public?: boolean }): Note {
  const now = new Date().toISOString();
  const note: Note = { id: nextNoteId++, ownerId, title: fields.title, body: fields.body, public: fields.public ?? false, createdAt: now, updatedAt: now };
  notes.set(note.id, note);
  return note;
}

export const findNote = (id: number) => notes.get(id);
export const allNotes = () => [...notes.values()];
export const notesOf = (ownerId: string) => [...notes.values()].filter((n) => n.ownerId === ownerId);
export const deleteNote = (id: number) => notes.delete(id);

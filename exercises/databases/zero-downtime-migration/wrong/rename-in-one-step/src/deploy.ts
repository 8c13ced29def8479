// The schema change from version 1 (`customers.name`) to version 2 (`customers.full_name`),
// in the phases the deploy pipeline calls while both versions serve traffic:
//   expand   - before version 2 takes traffic; version 1 must keep working
//   backfill - existing rows get the new column's value
//   contract - after version 1 is retired: the old column and any scaffolding go
//
// TODO: the starter renames the column in one step. Version 1 breaks the moment it runs, and
// the ALTER waits behind any open transaction while every query on the table queues behind it.
import { db } from "./db.ts";

export async function expand(): Promise<void> {
  await db.query("alter table customers rename column name to full_name");
}

export async function backfill(): Promise<void> {}

export async function contract(): Promise<void> {}

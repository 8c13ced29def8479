-- Money is a whole number of cents: a double can't hold 0.10 exactly, and sums of doubles drift.
alter table accounts alter column balance_cents type bigint using round(balance_cents)::bigint;
alter table transfers alter column amount_cents type bigint using round(amount_cents)::bigint;

-- The database refuses an overdrawn account, whatever code path (or person with psql) tries it.
alter table accounts add constraint accounts_balance_non_negative check (balance_cents >= 0);
alter table transfers add constraint transfers_amount_positive check (amount_cents > 0);
alter table transfers add constraint transfers_distinct_accounts check (from_account <> to_account);

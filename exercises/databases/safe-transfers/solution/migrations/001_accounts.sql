-- Accounts and the transfers between them.
create table accounts (
  id            bigint generated always as identity primary key,
  owner         text not null,
  balance_cents double precision not null
);

create table transfers (
  id           bigint generated always as identity primary key,
  from_account bigint not null references accounts (id),
  to_account   bigint not null references accounts (id),
  amount_cents double precision not null,
  created_at   timestamptz not null default now()
);

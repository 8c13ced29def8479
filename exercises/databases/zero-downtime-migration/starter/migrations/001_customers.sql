-- Version 1's schema: what production runs today (already applied there).
create table customers (
  id bigserial primary key,
  name text not null,
  email text not null,
  created_at timestamptz not null default now()
);

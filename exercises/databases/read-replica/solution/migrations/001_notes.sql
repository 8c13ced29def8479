create table notes (
  id bigserial primary key,
  author text not null,
  title text not null,
  body text not null default '',
  version int not null default 1,
  updated_at timestamptz not null default now()
);
create index notes_author on notes (author, id desc);

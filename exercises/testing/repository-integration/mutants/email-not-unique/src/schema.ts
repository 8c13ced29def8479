// The shop's tables. `migrate(db)` in shop.ts runs this; it is safe to run again.
export const SCHEMA = `
create table if not exists customers (
  id bigserial primary key,
  email text not null
);
create table if not exists products (
  id bigserial primary key,
  sku text not null unique,
  price_cents integer not null check (price_cents >= 0),
  stock integer not null check (stock >= 0)
);
create table if not exists cart_items (
  customer_id bigint not null references customers(id),
  product_id bigint not null references products(id),
  quantity integer not null check (quantity > 0),
  primary key (customer_id, product_id)
);
create table if not exists orders (
  id bigserial primary key,
  customer_id bigint not null references customers(id),
  total_cents integer not null
);
create table if not exists order_lines (
  order_id bigint not null references orders(id),
  product_id bigint not null references products(id),
  quantity integer not null,
  price_cents integer not null,
  primary key (order_id, product_id)
);
`;

-- The shop: customers place orders; an order has items, each item one product.
create table customers (
  id    bigint generated always as identity primary key,
  name  text not null,
  email text not null unique
);

create table products (
  id          bigint generated always as identity primary key,
  name        text not null,
  price_cents bigint not null check (price_cents >= 0)
);

create table orders (
  id          bigint generated always as identity primary key,
  customer_id bigint not null references customers (id),
  status      text not null default 'pending' check (status in ('pending', 'paid', 'shipped', 'cancelled')),
  created_at  timestamptz not null default now()
);

create table order_items (
  id               bigint generated always as identity primary key,
  order_id         bigint not null references orders (id),
  product_id       bigint not null references products (id),
  quantity         integer not null check (quantity > 0),
  unit_price_cents bigint not null check (unit_price_cents >= 0)
);

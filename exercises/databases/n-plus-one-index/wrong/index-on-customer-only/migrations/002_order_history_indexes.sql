-- The "my orders" page asks: WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2.
-- Equality column first, then the sort column: the index keeps each customer's orders already
-- sorted, so PostgreSQL reads the newest ones and stops after LIMIT rows - no scan of the
-- whole table, no sort. (A btree can also be read backwards, so (customer_id, created_at)
-- would serve this ORDER BY too; DESC matters once you sort by several columns in mixed
-- directions.) On a live server: CREATE INDEX CONCURRENTLY, outside a transaction.
create index orders_customer_idx on orders (customer_id);

-- PostgreSQL indexes primary keys and UNIQUE columns, not foreign keys: without this, finding
-- the items of a batch of orders reads all of order_items.
create index order_items_order_idx on order_items (order_id);

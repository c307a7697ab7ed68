-- The compose demo's source database (profile db-source), created by the mariadb image on its
-- first start. `orders` changes are tracked by a TIMESTAMP(6) column and `customers` by a
-- DATETIME(6) one, both with microseconds, so db-sync runs incrementally after the first sync;
-- MARIADB_USER (lakestream) owns the database, which covers the SELECTs and INFORMATION_SCHEMA
-- reads of the sync.
USE shop;

CREATE TABLE customers (
  customer_id INT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  email VARCHAR(200) NULL,
  country CHAR(2) NOT NULL,
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
);

CREATE TABLE orders (
  order_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  status ENUM('placed', 'shipped', 'delivered', 'cancelled') NOT NULL,
  amount DECIMAL(12, 2) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  KEY orders_updated_at (updated_at)
);

INSERT INTO customers (customer_id, name, email, country) VALUES
  (1, 'Ada Lovelace', 'ada@example.com', 'GB'),
  (2, 'Grace Hopper', NULL, 'US'),
  (3, 'Edsger Dijkstra', 'edsger@example.com', 'NL');

INSERT INTO orders (order_id, customer_id, status, amount) VALUES
  (1001, 1, 'delivered', 129.90),
  (1002, 2, 'shipped', 42.00),
  (1003, 3, 'placed', 7.50),
  (1004, 1, 'cancelled', 310.25);

-- Order versions with the contract's defaults (updated_at = ordered_at, reporting currency);
-- is_current: the latest updated_at wins (ties: later drop, then later row).
-- The SQL is in macros/order_versions.sql, shared with the models incremental by customer.
{{ order_versions() }}

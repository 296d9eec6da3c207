-- Order lines; a later drop's (order_id, line_number) replaces the earlier one (is_current).
-- The SQL is in macros/order_versions.sql, shared with the models incremental by customer.
{{ order_line_versions() }}

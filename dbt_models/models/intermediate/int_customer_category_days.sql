{{ config(**incremental_by_customer()) }}

-- Revenue of completed orders by customer, product category and day (from order lines, in the
-- reporting currency at the order's rate), with running totals per category.
-- Incremental by customer (macros/incremental_by_customer.sql).
-- The line versions are stg_orders__order_lines', computed for those customers' orders alone
-- (macros/order_versions.sql).
-- depends_on: {{ source('raw', 'change_customers') }}, {{ ref('stg_orders__order_lines') }}
with lines as (
    select * from ({{ order_line_versions(changed_orders_filter()) }})
    where is_current
),

completed_orders as (
    select * from {{ ref('int_orders') }}
    where is_completed and {{ changed_customers_filter('customer_id') }}
),

daily as (
    select
        completed_orders.customer_id,
        coalesce(lines.category, 'unknown') as category,
        completed_orders.order_date,
        sum(cast(coalesce(lines.quantity, 1) * coalesce(lines.unit_price, 0)
            * completed_orders.rate_to_reporting as decimal(18, 4))) as revenue
    from lines
    inner join completed_orders on lines.order_id = completed_orders.order_id
    group by 1, 2, 3
)

select
    customer_id,
    category,
    order_date,
    revenue,
    cast(sum(revenue) over (
        partition by customer_id, category order by order_date
        rows between unbounded preceding and current row
    ) as decimal(18, 4)) as revenue_to_date,  -- 64 bits, as in int_customer_order_days
    {{ loaded_through() }} as _loaded_through
from daily

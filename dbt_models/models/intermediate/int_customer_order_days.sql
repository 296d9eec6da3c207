{{ config(**incremental_by_customer()) }}

-- One row per customer and day with completed orders, with running totals: the history
-- every "as of d" measure is read from (the row in force on d, no customer x order fan-out).
-- Incremental by customer (macros/incremental_by_customer.sql).
-- depends_on: {{ source('raw', 'change_customers') }}
with completed_orders as (
    select * from {{ ref('int_orders') }}
    where is_completed and {{ changed_customers_filter('customer_id') }}
),

daily as (
    select
        customer_id,
        order_date,
        count(*) as orders,
        sum(revenue) as revenue
    from completed_orders
    group by customer_id, order_date
)

select
    customer_id,
    order_date,
    orders,
    revenue,
    -- running totals in 64 bits (sum() would widen them to HUGEINT and DECIMAL(38, 4), the
    -- types of every measure and segment row): BIGINT, and DECIMAL(18, 4) like the order
    -- amounts; a total that did not fit would fail the cast, nothing is rounded
    cast(sum(orders) over customer_history as bigint) as orders_to_date,
    cast(sum(revenue) over customer_history as decimal(18, 4)) as revenue_to_date,
    min(order_date) over (partition by customer_id) as acquired_on,
    {{ loaded_through() }} as _loaded_through
from daily
window customer_history as (
    partition by customer_id order by order_date
    rows between unbounded preceding and current row
)

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
    sum(orders) over customer_history as orders_to_date,
    sum(revenue) over customer_history as revenue_to_date,
    min(order_date) over (partition by customer_id) as acquired_on,
    {{ loaded_through() }} as _loaded_through
from daily
window customer_history as (
    partition by customer_id order by order_date
    rows between unbounded preceding and current row
)

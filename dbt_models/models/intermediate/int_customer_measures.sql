{{ config(**incremental_by_keys({
    'universe': 'int_snapshot_dates', 'columns': ['as_of_date'], 'date_column': 'as_of_date',
    'entities': ['orders.orders', 'orders.order_lines'], 'per_customer': 'customer_id',
})) }}
{%- set keys = keys_to_replace() %}

-- Behavioural state of every acquired customer on every snapshot date d:
-- order history up to d, revenue in the activity window (d - W, d], active / lapsed, and the
-- product category with the largest revenue in the window (usage).
-- Incremental by snapshot date and customer (macros/incremental_rebuild.sql): a nightly build
-- computes every customer on new dates, and on the dates the new rows can reach only the
-- customers whose orders they touched (a customer's measures depend on their orders alone).
-- depends_on: {{ source('raw', 'change_customers') }}
with snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
    where {{ key_filter(keys) }}
),

order_days as (
    select * from {{ ref('int_customer_order_days') }}
),

category_days as (
    select * from {{ ref('int_customer_category_days') }}
),

customers as (
    select distinct customer_id, acquired_on from order_days
),

customer_dates as (
    select
        customers.customer_id,
        customers.acquired_on,
        snapshot_dates.as_of_date,
        cast(snapshot_dates.as_of_date - interval {{ var('activity_window_days') }} day as date)
            as window_start_exclusive
    from customers
    inner join snapshot_dates on customers.acquired_on <= snapshot_dates.as_of_date
    where {{ changed_rows_filter(keys, 'snapshot_dates.as_of_date', 'customers.customer_id') }}
),

as_of_d as (
    select
        customer_dates.*,
        order_days.order_date as last_order_on,
        order_days.orders_to_date,
        order_days.revenue_to_date
    from customer_dates
    asof inner join order_days
        on customer_dates.customer_id = order_days.customer_id
        and customer_dates.as_of_date >= order_days.order_date
),

with_window as (
    select
        as_of_d.*,
        as_of_d.revenue_to_date - coalesce(before_window.revenue_to_date, 0) as revenue_in_window,
        as_of_d.orders_to_date - coalesce(before_window.orders_to_date, 0) as orders_in_window
    from as_of_d
    asof left join order_days as before_window
        on as_of_d.customer_id = before_window.customer_id
        and as_of_d.window_start_exclusive >= before_window.order_date
),

customer_categories as (
    select distinct customer_id, category from category_days
),

active_dates as (
    -- a customer not active on d has no revenue in the window: usage stays unknown
    select customer_id, as_of_date, window_start_exclusive
    from with_window
    where last_order_on > window_start_exclusive
),

category_window as (
    select
        active_dates.customer_id,
        active_dates.as_of_date,
        customer_categories.category,
        coalesce(at_d.revenue_to_date, 0) - coalesce(before_window.revenue_to_date, 0) as revenue
    from active_dates
    inner join customer_categories on active_dates.customer_id = customer_categories.customer_id
    asof left join category_days as at_d
        on customer_categories.customer_id = at_d.customer_id
        and customer_categories.category = at_d.category
        and active_dates.as_of_date >= at_d.order_date
    asof left join category_days as before_window
        on customer_categories.customer_id = before_window.customer_id
        and customer_categories.category = before_window.category
        and active_dates.window_start_exclusive >= before_window.order_date
),

ranked_categories as (
    select
        customer_id,
        as_of_date,
        category,
        row_number() over (
            partition by customer_id, as_of_date
            order by round(revenue, 6) desc, category asc  -- ties: alphabetical
        ) as category_rank
    from category_window
    where round(revenue, 6) > 0
),

usage as (
    select
        customer_id,
        as_of_date,
        category as usage_category
    from ranked_categories
    where category_rank = 1
)

select
    with_window.customer_id,
    with_window.as_of_date,
    with_window.acquired_on,
    with_window.last_order_on,
    with_window.orders_to_date,
    with_window.revenue_to_date,
    with_window.orders_in_window,
    with_window.revenue_in_window,
    with_window.last_order_on > with_window.window_start_exclusive as is_active,
    usage.usage_category,
    {{ loaded_through() }} as _loaded_through
from with_window
left join usage
    on with_window.customer_id = usage.customer_id
    and with_window.as_of_date = usage.as_of_date

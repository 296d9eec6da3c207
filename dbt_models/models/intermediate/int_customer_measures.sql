{{ config(**incremental_by_keys({
    'universe': 'int_snapshot_dates', 'columns': ['as_of_date'], 'date_column': 'as_of_date',
    'entities': ['orders.orders', 'orders.order_lines'], 'per_customer': 'customer_id',
    'rows_from': {'model': 'int_customer_order_days', 'column': 'order_date'},
})) }}
{%- set keys = keys_to_replace() %}
{%- set new_keys = none if keys is none else keys_new() %}
{%- set derived = dates_derived_from_earlier(new_keys) %}
{%- set derived_days = derived | map(attribute=0) | list %}
{%- set computed_whole = [] %}
{%- for key in new_keys or [] if key[0] not in derived_days %}
    {%- do computed_whole.append(key) %}
{%- endfor %}
{%- set order_days_ref = ref('int_customer_order_days') %}
{%- set computed_customers -%}
    {%- if keys is none or computed_whole -%}
        true
    {%- else -%}
        ({{ changed_customers_filter('customer_id') }}
        {%- if derived %}
        or {{ derived_dates_customers(derived, order_days_ref, 'customer_id') }}
        {%- endif %})
    {%- endif -%}
{%- endset %}

-- Behavioural state of every acquired customer on every snapshot date d:
-- order history up to d, revenue in the activity window (d - W, d], active / lapsed, and the
-- product category with the largest revenue in the window (usage).
-- Incremental by snapshot date and customer (macros/incremental_rebuild.sql): on the dates the
-- new rows can reach, a nightly build recomputes only the customers whose orders they touched
-- (a customer's measures depend on their orders alone); a new date is derived from the latest
-- earlier one (macros/derived_dates.sql): computed for the customers with an order between the
-- two at either end of the window, copied for everyone else. Every input is then read for
-- those customers only.
-- depends_on: {{ source('raw', 'change_customers') }}
with snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
    where {{ key_filter(keys) }}
),

-- Each history row holds from its day until the next one (next_day, exclusive): the row in
-- force on a date is found by a hash join on the customer with a range condition, not by an
-- ASOF join, which sorts every customer-date (at 1M, full build: this model 131 s -> 57 s).
order_days as (
    -- only the customers computed (every customer when a date is built whole)
    select
        *,
        coalesce(
            lead(order_date) over (partition by customer_id order by order_date), date '9999-12-31'
        ) as next_day
    from {{ order_days_ref }}
    where {{ computed_customers }}
),

category_days as (
    select
        *,
        coalesce(
            lead(order_date) over (partition by customer_id, category order by order_date),
            date '9999-12-31'
        ) as next_day
    from {{ ref('int_customer_category_days') }}
    where {{ computed_customers }}
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
    where {% if keys is none %}true{% else %}(
        {{ key_dates_filter(computed_whole, 'snapshot_dates.as_of_date') }}
        or {{ changed_customers_filter('customers.customer_id') }}
        {%- for day, earlier in derived %}
        or (snapshot_dates.as_of_date = date '{{ day }}'
            and {{ derived_dates_customers([[day, earlier]], order_days_ref, 'customers.customer_id') }})
        {%- endfor %}
    ){% endif %}
),

as_of_d as (
    select
        customer_dates.*,
        order_days.order_date as last_order_on,
        order_days.orders_to_date,
        order_days.revenue_to_date
    from customer_dates
    inner join order_days
        on customer_dates.customer_id = order_days.customer_id
        and customer_dates.as_of_date >= order_days.order_date
        and customer_dates.as_of_date < order_days.next_day
),

with_window as (
    select
        as_of_d.*,
        -- DECIMAL(18, 4) like the totals (a difference of two would be DECIMAL(19, 4), 128 bits)
        cast(
            as_of_d.revenue_to_date - coalesce(before_window.revenue_to_date, 0) as decimal(18, 4)
        ) as revenue_in_window,
        as_of_d.orders_to_date - coalesce(before_window.orders_to_date, 0) as orders_in_window,
        -- the latest order day at or before the window's start (NULL: none)
        before_window.order_date as window_last_order_on
    from as_of_d
    left join order_days as before_window
        on as_of_d.customer_id = before_window.customer_id
        and as_of_d.window_start_exclusive >= before_window.order_date
        and as_of_d.window_start_exclusive < before_window.next_day
),

customer_categories as (
    select distinct customer_id, category from category_days
),

active_windows as (
    -- The window (d - W, d] holds the customer's order days in (window_last_order_on,
    -- last_order_on]: usage is a function of the customer and those two days, computed once
    -- for all the dates that share them (most dates: a customer orders a few times a year).
    -- A customer not active on d has no revenue in the window: usage stays unknown.
    select distinct customer_id, last_order_on, window_last_order_on
    from with_window
    where last_order_on > window_start_exclusive
),

category_window as (
    select
        active_windows.customer_id,
        active_windows.last_order_on,
        active_windows.window_last_order_on,
        customer_categories.category,
        coalesce(at_end.revenue_to_date, 0) - coalesce(at_start.revenue_to_date, 0) as revenue
    from active_windows
    inner join customer_categories on active_windows.customer_id = customer_categories.customer_id
    left join category_days as at_end
        on customer_categories.customer_id = at_end.customer_id
        and customer_categories.category = at_end.category
        and active_windows.last_order_on >= at_end.order_date
        and active_windows.last_order_on < at_end.next_day
    left join category_days as at_start
        on customer_categories.customer_id = at_start.customer_id
        and customer_categories.category = at_start.category
        and active_windows.window_last_order_on >= at_start.order_date
        and active_windows.window_last_order_on < at_start.next_day
),

usage as (
    -- the category with the largest revenue; ties: alphabetical (the smallest category among
    -- the largest revenues). Revenues are DECIMAL: equal amounts compare equal exactly. One
    -- aggregate per window, not a sort of its categories (at 1M, full build: 8.8M windows of
    -- 34M categories, the model 113 -> 97 s with the same rows).
    select
        customer_id,
        last_order_on,
        window_last_order_on,
        arg_min(category, (-revenue, category)) as usage_category
    from category_window
    where revenue > 0
    group by customer_id, last_order_on, window_last_order_on
)
{%- if derived %},

copied as (
    -- the other customers on a derived date: their row on the date it derives from
    {%- for day, earlier in derived %}
    select * exclude (as_of_date, _loaded_through), date '{{ day }}' as as_of_date
    from {{ this }}
    where as_of_date = date '{{ earlier }}'
        and not coalesce({{ changed_customers_filter('customer_id') }}, false)
        and not coalesce({{ derived_dates_customers([[day, earlier]], order_days_ref, 'customer_id') }}, false)
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)
{%- endif %}

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
    and with_window.last_order_on = usage.last_order_on
    and with_window.window_last_order_on is not distinct from usage.window_last_order_on
{%- if derived %}
union all by name
select *, {{ loaded_through() }} as _loaded_through from copied
{%- endif %}
{%- if keys is none %}
-- A full build is stored sorted by customer, like int_customer_segments: a customer's measures
-- change little from one date to the next, so the columns compress into runs (at 1M: 983 ->
-- 616 MiB for a 4 s sort; date order gave 823 MiB for a 16 s sort, and a nightly's reads of
-- its few dates were no faster beyond the noise; docs/architecture.md).
order by customer_id, as_of_date
{%- endif %}

{{ config(**incremental_by_customer()) }}

-- The current version of every order, in the reporting currency at the order date's rate.
-- Orders whose rate is missing are left out here and listed in quarantine.fx_unconverted.
-- Incremental by customer (macros/incremental_by_customer.sql): a nightly build replaces the
-- orders of the customers whose orders the new loads touched.
-- The order versions are stg_orders__orders', computed for those customers' orders alone
-- (macros/order_versions.sql).
-- depends_on: {{ source('raw', 'change_customers') }}, {{ ref('stg_orders__orders') }}
with orders as (
    select * from ({{ order_versions(changed_orders_filter()) }})
    where is_current and {{ changed_customers_filter('customer_id') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

converted as (
    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_at,
        orders.order_date,
        orders.status,
        orders.status = 'completed' as is_completed,
        orders.currency,
        orders.net_amount,
        case
            when orders.currency = '{{ var("reporting_currency") }}' then 1.0
            else fx_rates.rate_to_reporting
        end as rate_to_reporting,
        orders.channel,
        orders._drop_date
    from orders
    left join fx_rates
        on orders.order_date = fx_rates.date
        and orders.currency = fx_rates.currency
)

select
    order_id,
    customer_id,
    ordered_at,
    order_date,
    status,
    is_completed,
    currency,
    net_amount,
    rate_to_reporting,
    -- cancelled, refunded and pending orders carry no revenue
    -- amounts in the reporting currency are kept as DECIMAL(18, 4): sums are exact and repeatable
    case
        when is_completed then cast(net_amount * rate_to_reporting as decimal(18, 4))
        else cast(0 as decimal(18, 4))
    end as revenue,
    channel,
    _drop_date,
    {{ loaded_through() }} as _loaded_through
from converted
where rate_to_reporting is not null

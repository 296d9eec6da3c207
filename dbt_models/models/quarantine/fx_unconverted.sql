-- Amounts that cannot be converted to the reporting currency: the current version of an order
-- or a spend row whose currency has no rate on its date. They are left out of every KPI.
-- depends_on: {{ ref('stg_orders__orders') }}
with orders as (
    -- the versions of the orders with a version in another currency (macros/order_versions.sql:
    -- the current-version window then numbers those orders alone; at 1M, 40% of the versions)
    select * from ({{ order_versions(
        "order_id in (select order_id from " ~ source('raw', 'orders_orders')
        ~ " where upper(currency) <> '" ~ var('reporting_currency') ~ "')"
    ) }})
    where is_current
),

spend as (
    select * from {{ ref('stg_marketing__spend') }}
    where is_current
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
)

select
    'orders' as source,
    'orders' as entity,
    orders._drop_date,
    orders._source_file,
    orders._row_number,
    orders.order_id as record_key,
    orders.order_date as amount_date,
    orders.currency,
    orders.net_amount as amount,
    printf('no %s rate to %s on %s', orders.currency, '{{ var("reporting_currency") }}', orders.order_date) as reason
from orders
left join fx_rates
    on orders.order_date = fx_rates.date and orders.currency = fx_rates.currency
where orders.currency <> '{{ var("reporting_currency") }}' and fx_rates.rate_to_reporting is null

union all

select
    'marketing',
    'spend',
    spend._drop_date,
    spend._source_file,
    spend._row_number,
    spend.channel || '/' || spend.spend_date,
    spend.spend_date,
    spend.currency,
    spend.amount,
    printf('no %s rate to %s on %s', spend.currency, '{{ var("reporting_currency") }}', spend.spend_date)
from spend
left join fx_rates
    on spend.spend_date = fx_rates.date and spend.currency = fx_rates.currency
where spend.currency <> '{{ var("reporting_currency") }}' and fx_rates.rate_to_reporting is null

-- Order versions with the contract's defaults (updated_at = ordered_at, reporting currency).
with source as (
    select * from {{ source('raw', 'orders_orders') }}
),

defaulted as (
    select
        order_id,
        customer_id,
        ordered_at,
        coalesce(updated_at, ordered_at) as updated_at,
        lower(status) as status,
        upper(coalesce(currency, '{{ var("reporting_currency") }}')) as currency,
        net_amount,
        lower(channel) as channel,
        _drop_date,
        _source_file,
        _row_number
    from source
)

select
    *,
    {{ reporting_date('ordered_at') }} as order_date,
    row_number() over (
        partition by order_id
        order by updated_at desc, _drop_date desc, _row_number desc
    ) = 1 as is_current
from defaulted

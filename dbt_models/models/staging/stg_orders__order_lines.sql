-- Order lines; a later drop's (order_id, line_number) replaces the earlier one.
with source as (
    select * from {{ source('raw', 'orders_order_lines') }}
)

select
    order_id,
    line_number,
    sku,
    lower(category) as category,
    quantity,
    unit_price,
    _drop_date,
    _source_file,
    _row_number,
    row_number() over (
        partition by order_id, line_number
        order by _drop_date desc, _row_number desc
    ) = 1 as is_current
from source

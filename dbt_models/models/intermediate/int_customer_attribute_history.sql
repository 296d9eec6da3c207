-- CRM attributes as a history (SCD2): one row per customer and day on which a version took
-- effect, valid from valid_from (inclusive) until the next row's valid_from.
-- Several versions on one day: the one that wins (latest updated_at, later drop, later row).
with versions as (
    select * from {{ ref('stg_crm__customers') }}
),

last_of_day as (
    select
        *,
        row_number() over (
            partition by customer_id, valid_from
            order by updated_at desc, _drop_date desc, _row_number desc
        ) as version_rank
    from versions
)

select
    customer_id,
    valid_from,
    lead(valid_from) over (partition by customer_id order by valid_from) as valid_to,
    birth_date,
    gender,
    annual_income,
    country,
    region,
    first_interest,
    lifestyle,
    acquisition_channel,
    is_deleted
from last_of_day
where version_rank = 1

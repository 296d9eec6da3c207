-- Marketing spend. A row's key is (spend_date, channel, campaign_id): a later drop's row for
-- the same key replaces the earlier one (the extract has no updated_at).
with source as (
    select * from {{ source('raw', 'marketing_spend') }}
)

select
    spend_date,
    lower(channel) as channel,
    campaign_id,
    amount,
    upper(coalesce(currency, '{{ var("reporting_currency") }}')) as currency,
    _drop_date,
    _source_file,
    _row_number,
    row_number() over (
        partition by spend_date, lower(channel), coalesce(campaign_id, '')
        order by _drop_date desc, _row_number desc
    ) = 1 as is_current
from source

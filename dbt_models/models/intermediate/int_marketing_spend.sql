-- Current marketing spend in the reporting currency (rows without a rate are quarantined).
with spend as (
    select * from {{ ref('stg_marketing__spend') }}
    where is_current
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
)

select
    spend.spend_date,
    spend.channel,
    spend.campaign_id,
    cast(spend.amount * case
        when spend.currency = '{{ var("reporting_currency") }}' then 1.0
        else fx_rates.rate_to_reporting
    end as decimal(18, 4)) as spend
from spend
left join fx_rates
    on spend.spend_date = fx_rates.date
    and spend.currency = fx_rates.currency
where spend.currency = '{{ var("reporting_currency") }}' or fx_rates.rate_to_reporting is not null

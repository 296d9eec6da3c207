-- Leads with the contract's default updated_at (latest of the other timestamps).
with source as (
    select * from {{ source('raw', 'crm_leads') }}
),

defaulted as (
    select
        lead_id,
        created_at,
        coalesce(updated_at, greatest(created_at, contacted_at, converted_at)) as updated_at,
        lower(channel) as channel,
        campaign_id,
        upper(country) as country,
        region,
        lower(status) as status,
        contacted_at,
        converted_at,
        customer_id,
        _drop_date,
        _source_file,
        _row_number
    from source
)

select
    *,
    {{ reporting_date('created_at') }} as created_on,
    {{ reporting_date('contacted_at') }} as contacted_on,
    {{ reporting_date('converted_at') }} as converted_on,
    row_number() over (
        partition by lead_id
        order by updated_at desc, _drop_date desc, _row_number desc
    ) = 1 as is_current
from defaulted

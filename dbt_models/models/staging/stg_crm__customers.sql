-- Every version of every CRM customer, normalised. is_current marks the version that wins:
-- latest updated_at, ties broken by the later drop, then the later row of the file.
with source as (
    select * from {{ source('raw', 'crm_customers') }}
),

gender_aliases as (
    select * from {{ ref('gender_aliases') }}
),

normalised as (
    select
        source.customer_id,
        source.updated_at,
        source.email,
        source.first_name,
        source.last_name,
        source.birth_date,
        case
            when source.gender is null then 'unknown'
            else coalesce(gender_aliases.gender, 'other')
        end as gender,
        source.annual_income,
        source.education,
        source.occupation,
        source.household_size,
        upper(source.country) as country,
        source.region,
        source.city,
        source.postal_code,
        source.timezone,
        nullif(lower(trim(split_part(source.interests, '|', 1))), '') as first_interest,
        source.interests,
        lower(source.lifestyle) as lifestyle,
        lower(source.acquisition_channel) as acquisition_channel,
        source.signed_up_at,
        source.marketing_opt_in,
        coalesce(source.is_deleted, false) as is_deleted,
        source._drop_date,
        source._source_file,
        source._row_number
    from source
    left join gender_aliases
        on lower(trim(source.gender)) = gender_aliases.alias
)

select
    *,
    {{ reporting_date('updated_at') }} as valid_from,
    row_number() over (
        partition by customer_id
        order by updated_at desc, _drop_date desc, _row_number desc
    ) = 1 as is_current
from normalised

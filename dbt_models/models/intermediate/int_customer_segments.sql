-- The segment of every acquired customer in every configured dimension on every snapshot
-- date: one column per dimension (dbt_project.yml vars.segment_dimensions).
with profiles as (
    select * from {{ ref('int_customer_profiles') }}
)

select
    customer_id,
    as_of_date,
    acquired_on,
    is_active,
    orders_to_date,
    revenue_to_date,
    revenue_in_window,
    coalesce(acquisition_channel, 'unknown') as attributed_channel,  -- CAC allocation
    {%- for dimension in segment_dimensions() %}
    {{ segment_expression(dimension) }} as {{ adapter.quote(dimension.name) }}{{ "," if not loop.last }}
    {%- endfor %}
from profiles

-- A view: read once, by the next model; storing it would only grow the warehouse.
{{ config(materialized='view') }}

-- Everything known about a customer on a snapshot date: CRM attributes as of that date,
-- behaviour up to it, and scores. Segment dimension expressions are evaluated over these
-- columns (dbt_project.yml vars.segment_dimensions).
with measures as (
    select * from {{ ref('int_customer_measures') }}
),

scores as (
    select * from {{ ref('int_customer_scores') }}
),

attribute_history as (
    select * from {{ ref('int_customer_attribute_history') }}
)

select
    measures.customer_id,
    measures.as_of_date,
    measures.acquired_on,
    measures.last_order_on,
    measures.orders_to_date,
    measures.revenue_to_date,
    measures.orders_in_window,
    measures.revenue_in_window,
    measures.is_active,
    measures.usage_category,
    scores.recency_score,
    scores.frequency_score,
    scores.monetary_score,
    scores.rfm_segment,
    scores.value_tier,
    cast(date_part('year', age(
        cast(measures.as_of_date as timestamp), cast(attribute_history.birth_date as timestamp)
    )) as integer) as age_years,
    attribute_history.gender,
    attribute_history.annual_income,
    attribute_history.country,
    attribute_history.region,
    attribute_history.first_interest,
    attribute_history.lifestyle,
    attribute_history.acquisition_channel
from measures
inner join scores
    on measures.customer_id = scores.customer_id
    and measures.as_of_date = scores.as_of_date
asof left join attribute_history
    on measures.customer_id = attribute_history.customer_id
    and measures.as_of_date >= attribute_history.valid_from

-- A view: read once, by the next model; storing it would only grow the warehouse.
{{ config(materialized='view') }}

-- Everything known about a customer on a snapshot date: CRM attributes as of that date,
-- behaviour up to it, and scores. Segment dimension expressions are evaluated over these
-- columns (dbt_project.yml vars.segment_dimensions).
with scores as (
    -- the measures with their scores (one view: see int_customer_scores)
    select * from {{ ref('int_customer_scores') }}
),

attribute_history as (
    select * from {{ ref('int_customer_attribute_history') }}
)

select
    scores.customer_id,
    scores.as_of_date,
    scores.acquired_on,
    scores.last_order_on,
    scores.orders_to_date,
    scores.revenue_to_date,
    scores.orders_in_window,
    scores.revenue_in_window,
    scores.is_active,
    scores.usage_category,
    scores.recency_score,
    scores.frequency_score,
    scores.monetary_score,
    scores.rfm_segment,
    scores.value_tier,
    cast(date_part('year', age(
        cast(scores.as_of_date as timestamp), cast(attribute_history.birth_date as timestamp)
    )) as integer) as age_years,
    attribute_history.gender,
    attribute_history.annual_income,
    attribute_history.country,
    attribute_history.region,
    attribute_history.first_interest,
    attribute_history.lifestyle,
    attribute_history.acquisition_channel
from scores
-- The version valid on the date: a hash join on the customer with valid_from <= d < valid_to
-- (valid_to is NULL for the latest version). An ASOF join picks the same version but sorts every
-- row by customer and date first: at 1M, a nightly's ten dates took 11.9 s with it and 7.6-8.7 s
-- with this join (the same rows). The hash join leaves the rows in date order, so
-- int_customer_segments sorts what it stores by customer (its compression and the serving
-- file's copy of it depend on that clustering).
left join attribute_history
    on scores.customer_id = attribute_history.customer_id
    and scores.as_of_date >= attribute_history.valid_from
    and (attribute_history.valid_to is null or scores.as_of_date < attribute_history.valid_to)

-- One row per customer (a customer_id with at least one completed order): current CRM
-- attributes, order history and segments as of the watermark. PII is NULL for people with an
-- erasure request; an order whose customer is not in the CRM yet gives unknown attributes.
with order_days as (
    select * from {{ ref('int_customer_order_days') }}
),

crm as (
    select * from {{ ref('stg_crm__customers') }}
    where is_current
),

current_segments as (
    select segments.*
    from {{ ref('int_customer_segments') }} as segments
    inner join {{ ref('int_snapshot_dates') }} as snapshot_dates
        on segments.as_of_date = snapshot_dates.as_of_date
        and snapshot_dates.is_current
),

history as (
    select
        customer_id,
        min(order_date) as first_order_on,
        max(order_date) as last_order_on,
        sum(orders) as orders_to_date,
        sum(revenue) as revenue_to_date
    from order_days
    group by customer_id
)

select
    history.customer_id,
    coalesce(crm.is_deleted, false) as is_deleted,
    crm.customer_id is not null as is_in_crm,
    case when not crm.is_deleted then crm.email end as email,
    case when not crm.is_deleted then crm.first_name end as first_name,
    case when not crm.is_deleted then crm.last_name end as last_name,
    case when not crm.is_deleted then crm.birth_date end as birth_date,
    case when not crm.is_deleted then crm.postal_code end as postal_code,
    crm.gender,
    crm.annual_income,
    crm.education,
    crm.occupation,
    crm.household_size,
    crm.country,
    crm.region,
    crm.city,
    crm.timezone,
    crm.interests,
    crm.lifestyle,
    crm.acquisition_channel,
    crm.signed_up_at,
    crm.marketing_opt_in,
    history.first_order_on as acquired_on,
    history.first_order_on,
    history.last_order_on,
    history.orders_to_date,
    history.revenue_to_date,
    coalesce(current_segments.is_active, false) as is_active,
    {%- for dimension in segment_dimensions() %}
    current_segments.{{ adapter.quote(dimension.name) }} as {{ adapter.quote('segment_' ~ dimension.name) }}{{ "," if not loop.last }}
    {%- endfor %}
from history
left join crm on history.customer_id = crm.customer_id
left join current_segments on history.customer_id = current_segments.customer_id

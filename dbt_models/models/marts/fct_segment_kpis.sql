-- One row per (grain, period_start, segment_dimension, segment): the segment flows and every
-- KPI of kpis.md. Ratios are NULL when their denominator is zero or unknown.
{%- set lead_dimension_names = lead_dimensions() | map(attribute='name') | list %}
with periods as (
    select * from {{ ref('int_periods') }}
),

flows as (
    select * from {{ ref('int_segment_flows') }}
),

annual_churn as (
    select * from {{ ref('int_segment_annual_churn') }}
),

acquisition_spend as (
    select * from {{ ref('int_segment_acquisition_spend') }}
),

period_spend as (
    select distinct grain, period_start, total_spend, unallocated_spend from acquisition_spend
),

satisfaction as (
    select * from {{ ref('int_segment_satisfaction') }}
),

leads as (
    select * from {{ ref('int_segment_leads') }}
),

market as (
    select * from {{ ref('int_segment_market') }}
),

spine as (
    select grain, period_start, segment_dimension, segment from flows
    union
    select grain, period_start, segment_dimension, segment from leads
    union
    select grain, period_start, segment_dimension, segment from satisfaction
),

measures as (
    select
        spine.grain,
        spine.period_start,
        periods.period_end,
        periods.previous_period_start,
        periods.is_closed,
        spine.segment_dimension,
        spine.segment,
        coalesce(flows.customers_start, 0) as customers_start,
        coalesce(flows.customers_end, 0) as customers_end,
        coalesce(flows.new_customers, 0) as new_customers,
        coalesce(flows.acquired_customers, 0) as acquired_customers,
        coalesce(flows.reactivated_customers, 0) as reactivated_customers,
        coalesce(flows.churned_customers, 0) as churned_customers,
        coalesce(flows.retained_customers, 0) as retained_customers,
        coalesce(flows.migrated_in, 0) as migrated_in,
        coalesce(flows.migrated_out, 0) as migrated_out,
        coalesce(flows.orders, 0) as orders,
        coalesce(flows.revenue, 0) as revenue,
        coalesce(flows.buyers, 0) as buyers,
        flows.revenue_to_date_of_customers_end,
        coalesce(flows.revenue_in_trailing_window, 0) as revenue_in_trailing_window,
        annual_churn.window_customers_start,
        annual_churn.window_churned_customers,
        case
            when period_spend.total_spend is not null then coalesce(acquisition_spend.marketing_spend, 0)
        end as marketing_spend,
        period_spend.unallocated_spend as unallocated_marketing_spend,
        coalesce(satisfaction.csat_responses, 0) as csat_responses,
        satisfaction.csat_satisfied,
        coalesce(satisfaction.nps_responses, 0) as nps_responses,
        satisfaction.nps_promoters,
        satisfaction.nps_detractors,
        market.market_revenue,
        market.addressable_customers,
        {%- for event in ['created', 'contacted', 'converted'] %}
        case
            when spine.segment_dimension in ('{{ lead_dimension_names | join("', '") }}')
                then coalesce(leads.leads_{{ event }}, 0)
        end as leads_{{ event }}{{ "," if not loop.last }}
        {%- endfor %}
    from spine
    inner join periods
        on spine.grain = periods.grain
        and spine.period_start = periods.period_start
    {%- for relation in ['flows', 'annual_churn', 'acquisition_spend', 'satisfaction', 'leads', 'market'] %}
    left join {{ relation }}
        on spine.grain = {{ relation }}.grain
        and spine.period_start = {{ relation }}.period_start
        and spine.segment_dimension = {{ relation }}.segment_dimension
        and spine.segment = {{ relation }}.segment
    {%- endfor %}
    left join period_spend
        on spine.grain = period_spend.grain
        and spine.period_start = period_spend.period_start
),

rates as (
    select
        *,
        {{ safe_divide('new_customers', 'customers_start') }} as acquisition_rate,
        {{ safe_divide('customers_start - churned_customers', 'customers_start') }} as retention_rate,
        {{ safe_divide('churned_customers', 'customers_start') }} as churn_rate,
        {{ safe_divide('customers_end - customers_start', 'customers_start') }} as segment_growth_rate,
        {{ safe_divide('revenue', 'orders') }} as average_order_value,
        {{ safe_divide('orders', 'buyers') }} as purchase_frequency,
        {{ safe_divide('revenue_to_date_of_customers_end', 'customers_end') }} as clv_historical,
        {{ safe_divide('revenue_in_trailing_window', 'customers_end') }} as annual_value,
        {{ safe_divide('window_churned_customers', 'window_customers_start') }} as annual_churn_rate,
        {{ safe_divide('marketing_spend', 'acquired_customers') }} as cac,
        {{ safe_divide('csat_satisfied', 'csat_responses') }} as csat,
        100 * ({{ safe_divide('nps_promoters', 'nps_responses') }}
            - {{ safe_divide('nps_detractors', 'nps_responses') }}) as nps,
        {{ safe_divide('revenue', 'market_revenue') }} as market_share,
        {{ safe_divide('customers_end', 'addressable_customers') }} as market_penetration,
        {{ safe_divide('leads_converted', 'leads_created') }} as lead_conversion_rate
    from measures
),

with_clv as (
    select
        *,
        annual_value * {{ var('gross_margin') }} * case
            when annual_churn_rate is null then null
            when annual_churn_rate = 0 then {{ var('clv_cap_years') }}
            else least(1 / annual_churn_rate, {{ var('clv_cap_years') }})
        end as clv
    from rates
),

final as (
    select
        current_period.grain,
        current_period.period_start,
        current_period.period_end,
        current_period.is_closed,
        current_period.segment_dimension,
        current_period.segment,
        current_period.customers_start,
        current_period.customers_end,
        current_period.new_customers,
        current_period.acquired_customers,
        current_period.reactivated_customers,
        current_period.churned_customers,
        current_period.retained_customers,
        current_period.migrated_in,
        current_period.migrated_out,
        current_period.acquisition_rate,
        current_period.retention_rate,
        current_period.churn_rate,
        current_period.segment_growth_rate,
        current_period.orders,
        current_period.revenue,
        {{ safe_divide('current_period.revenue - previous_period.revenue', 'previous_period.revenue') }}
            as revenue_growth_rate,
        current_period.average_order_value,
        current_period.buyers,
        current_period.purchase_frequency,
        current_period.clv_historical,
        current_period.annual_value,
        current_period.annual_churn_rate,
        current_period.clv,
        current_period.marketing_spend,
        current_period.unallocated_marketing_spend,
        current_period.cac,
        {{ safe_divide('current_period.clv', 'current_period.cac') }} as ltv_to_cac,
        current_period.csat_responses,
        current_period.csat,
        current_period.nps_responses,
        current_period.nps,
        current_period.market_revenue,
        current_period.market_share,
        current_period.addressable_customers,
        current_period.market_penetration,
        current_period.leads_created,
        current_period.leads_contacted,
        current_period.leads_converted,
        current_period.lead_conversion_rate
    from with_clv as current_period
    left join with_clv as previous_period
        on current_period.grain = previous_period.grain
        and current_period.previous_period_start = previous_period.period_start
        and current_period.segment_dimension = previous_period.segment_dimension
        and current_period.segment = previous_period.segment
)

select * from final

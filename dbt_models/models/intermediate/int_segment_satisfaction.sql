{{ config(**incremental_by_keys(
    {'universe': 'int_periods', 'columns': ['grain', 'period_end'], 'date_column': 'period_end',
     'entities': ['crm.customers', 'orders.orders', 'orders.order_lines', 'surveys.responses']}
)) }}
{%- set keys = keys_to_replace() %}

-- CSAT and NPS responses submitted in a period, by the respondent's segment at period end
-- (as_of_end: the watermark for the open period).
-- Anonymous responses and those of people who are not (yet) customers count in `all` only.
-- Incremental by period (macros/incremental_rebuild.sql); late survey responses count as
-- changes too.
with periods as (
    select * from {{ ref('int_periods') }}
    where {{ key_filter(keys) }}
),

responses as (
    select * from {{ ref('stg_surveys__responses') }}
    where is_current
),

segments as (
    select * from {{ ref('int_customer_segments') }}
    where {{ as_of_end_filter(keys, 'as_of_date') }}
),

period_responses as (
    -- each response with its respondent's segments at period end, when they have a row there
    -- (one join serves every dimension: the segments are read once)
    select
        periods.grain,
        periods.period_start,
        periods.period_end,
        responses.survey_type,
        responses.score,
        {%- for dimension in segment_dimensions() if dimension.name != 'all' %}
        segments.{{ adapter.quote(dimension.name) }},
        {%- endfor %}
        segments.customer_id is not null as has_segments
    from periods
    inner join responses
        on responses.submitted_on between periods.period_start and periods.period_end
    left join segments
        on segments.as_of_date = periods.as_of_end
        and segments.customer_id = responses.customer_id
),

segmented as (
    {%- for dimension in segment_dimensions() %}
    select
        grain,
        period_start,
        period_end,
        '{{ dimension.name }}' as segment_dimension,
        {%- if dimension.name == 'all' %}
        'all' as segment,
        {%- else %}
        {{ adapter.quote(dimension.name) }} as segment,
        {%- endif %}
        survey_type,
        score
    from period_responses
    {%- if dimension.name != 'all' %}
    where has_segments
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    grain,
    period_start,
    period_end,
    segment_dimension,
    segment,
    count(*) filter (where survey_type = 'csat') as csat_responses,
    count(*) filter (where survey_type = 'csat' and score >= 4) as csat_satisfied,
    count(*) filter (where survey_type = 'nps') as nps_responses,
    count(*) filter (where survey_type = 'nps' and score >= 9) as nps_promoters,
    count(*) filter (where survey_type = 'nps' and score <= 6) as nps_detractors,
    {{ loaded_through() }} as _loaded_through
from segmented
group by all

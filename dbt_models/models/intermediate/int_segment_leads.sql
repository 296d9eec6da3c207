-- Leading indicators: leads created / contacted / converted in a period, for the dimensions a
-- lead carries (those with a lead_sql in vars.segment_dimensions).
with periods as (
    select * from {{ ref('int_periods') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
    where is_current
),

lead_events as (
    select lead_id, 'created' as event, created_on as event_on from leads
    union all
    select lead_id, 'contacted', contacted_on from leads where contacted_on is not null
    union all
    select lead_id, 'converted', converted_on from leads where converted_on is not null
),

period_events as (
    select
        periods.grain,
        periods.period_start,
        lead_events.event,
        leads.*
    from periods
    inner join lead_events
        on lead_events.event_on between periods.period_start and periods.period_end
    inner join leads on lead_events.lead_id = leads.lead_id
),

segmented as (
    {%- for dimension in lead_dimensions() %}
    select
        grain,
        period_start,
        '{{ dimension.name }}' as segment_dimension,
        coalesce(cast(({{ dimension.lead_sql }}) as varchar), 'unknown') as segment,
        event
    from period_events
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    grain,
    period_start,
    segment_dimension,
    segment,
    count(*) filter (where event = 'created') as leads_created,
    count(*) filter (where event = 'contacted') as leads_contacted,
    count(*) filter (where event = 'converted') as leads_converted
from segmented
group by all

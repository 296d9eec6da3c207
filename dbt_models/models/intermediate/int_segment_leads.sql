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

daily_events as (
    -- counted per day, event and segments first: the periods then join those counts rather
    -- than every event (a day falls in four or five periods)
    select
        event_on,
        event,
        {%- for dimension in lead_dimensions() %}
        coalesce(cast(({{ dimension.lead_sql }}) as varchar), 'unknown') as segment_{{ loop.index }},
        {%- endfor %}
        count(*) as events
    from (
        -- the dimensions' lead_sql read the lead's columns
        select lead_events.event, lead_events.event_on, leads.*
        from lead_events
        inner join leads on lead_events.lead_id = leads.lead_id
    )
    group by all
),

period_events as (
    select
        periods.grain,
        periods.period_start,
        daily_events.*
    from periods
    inner join daily_events
        on daily_events.event_on between periods.period_start and periods.period_end
),

segmented as (
    {%- for dimension in lead_dimensions() %}
    select
        grain,
        period_start,
        '{{ dimension.name }}' as segment_dimension,
        segment_{{ loop.index }} as segment,
        event,
        events
    from period_events
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    grain,
    period_start,
    segment_dimension,
    segment,
    {%- for event in ['created', 'contacted', 'converted'] %}
    cast(coalesce(sum(events) filter (where event = '{{ event }}'), 0) as bigint) as leads_{{ event }}{{ ',' if not loop.last }}
    {%- endfor %}
from segmented
group by all

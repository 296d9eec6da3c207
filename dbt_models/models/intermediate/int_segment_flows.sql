{{ config(**incremental_by_keys({
    'universe': 'int_periods',
    'columns': ['grain', 'period_end'],
    'date_column': 'period_end',
    'by_difference': {
        'model': 'int_customer_segments',
        'log': 'segment_changes',
        'periods': 'int_periods',
        'dates': ['period_end', 'cast(period_start - interval 1 day as date)'],
    },
})) }}
{%- set keys = keys_to_replace() %}
{%- set by_difference = keys_updated_by_difference(keys) %}
{%- set recounted = keys if keys is none else keys | reject('in', by_difference) | list %}

-- Segment flows per (grain, period, dimension, segment) (kpis.md, Segment flows; the counts
-- in macros/segment_flows.sql). Incremental by period: a period built whole is counted over
-- every customer; a period already built whose dates int_customer_segments compared is
-- updated by difference: its rows as they were, plus the counts of the customers whose
-- segment rows changed (ops.segment_changes) as they are now, minus their counts as they
-- were (macros/changed_rows.sql).
-- depends_on: {{ ref('int_periods') }}, {{ ref('int_customer_segments') }}
with customer_flows as (
    select * from {{ ref('int_customer_period_flows') }}
    where {{ key_filter(recounted) }}
),

recounted as (
    {{ segment_flow_counts('customer_flows') }}
)
{%- if by_difference %},

{{ segments_by_difference(by_difference) }},

flows_after as (
    {{ customer_period_flows('periods', 'segments_after') }}
),

flows_before as (
    {{ customer_period_flows('periods', 'segments_before') }}
),

counts_after as (
    {{ segment_flow_counts('flows_after') }}
),

counts_before as (
    {{ segment_flow_counts('flows_before') }}
),

updated as (
    {{ add_difference('counts_after', 'counts_before', segment_flow_columns(), '_contributions') }}
)
{%- endif %}

select *, {{ loaded_through() }} as _loaded_through from recounted
{%- if by_difference %}
union all by name
select *, {{ loaded_through() }} as _loaded_through from updated
{%- endif %}

{{ config(**incremental_by_keys({
    'universe': 'int_periods',
    'columns': ['grain', 'period_end'],
    'date_column': 'period_end',
    'by_difference': {
        'model': 'int_customer_segments',
        'log': 'segment_changes',
        'dates': ['as_of_end', 'cast(period_start - interval 1 day as date)'],
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
-- The customers' rows are those of the view int_customer_period_flows, inlined here: DuckDB
-- pushes the period filter through its joins down to the segment scans, and a build of every
-- period (the first, --full-refresh) joins with the segment values as ENUMs
-- (segment_value_types): at 1M customers the join's ~48M start rows took ~11 GB as strings
-- and spilled to disk.
-- depends_on: {{ ref('int_periods') }}, {{ ref('int_customer_segments') }}
{%- set value_types = segment_value_types(ref('int_customer_segments')) if keys is none else none %}
with customer_flows as (
    select * from (
        {{ customer_period_flows(ref('int_periods'), ref('int_customer_segments'), value_types) }}
    )
    where {{ key_filter(recounted) }}
),

recounted as (
    {{ segment_flow_counts('customer_flows') }}
)
{{ select_counts_updated_by_difference(
    by_difference, customer_period_flows, segment_flow_counts, segment_flow_columns(), '_contributions'
) }}

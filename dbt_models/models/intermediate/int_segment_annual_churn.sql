{#- A period whose trailing window starts before the first date with a customer has no rows. -#}
{{ config(**incremental_by_keys({
    'universe': 'int_periods',
    'columns': ['grain', 'period_end'],
    'date_column': 'period_end',
    'rows_from': {
        'model': 'int_customer_segments',
        'column': 'as_of_date',
        'days': var('activity_window_days'),
    },
    'by_difference': {
        'model': 'int_customer_segments',
        'log': 'segment_changes',
        'dates': ['as_of_end', 'cast(as_of_end - interval ' ~ var('activity_window_days') ~ ' day as date)'],
    },
})) }}
{%- set keys = keys_to_replace() %}
{%- set by_difference = keys_updated_by_difference(keys) %}
{%- set recounted = keys if keys is none else keys | reject('in', by_difference) | list %}

-- Churn over the trailing window of every period, per segment (macros/annual_churn.sql).
-- Incremental by period, like int_segment_flows: recounted over every customer, or updated
-- by the difference the changed customers make (macros/changed_rows.sql).
-- depends_on: {{ ref('int_periods') }}, {{ ref('int_customer_segments') }}
with recounted_periods as (
    select * from {{ ref('int_periods') }}
    where {{ key_filter(recounted) }}
),

window_customers as (
    {{ window_churn_customers(
        'recounted_periods', ref('int_customer_segments'), as_of_end_filter(recounted, 'as_of_date')
    ) }}
),

recounted as (
    {{ window_churn_counts('window_customers') }}
)
{{ select_counts_updated_by_difference(
    by_difference, window_churn_customers, window_churn_counts, window_churn_columns(), 'window_customers_start'
) }}

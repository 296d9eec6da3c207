{#-
Changed rows (docs/architecture.md, "Incremental builds").

A model whose rows on a date depend on every customer of that date (ranks: RFM scores, value
tiers) is recomputed for every customer on the dates a change reaches, yet few of its rows
differ afterwards. With `rebuild_keys.changed_rows`, the incremental build compares the dates
it recomputed with the rows the model holds and replaces only the rows that differ; a log
lists them, before and after, so that a model aggregating over them can update its totals by
the difference instead of re-reading every customer (int_segment_flows).

    rebuild_keys={..., 'changed_rows': {'key': ['customer_id', 'as_of_date'], 'log': 'segment_changes'}}

ops.<log>: one row per key whose row changed, appeared or vanished on the dates compared, as
held before the build (is_before) and as built now (not is_before); a changed row is there
twice, a new one once (after), a vanished one once (before).
A new date is compared with the latest earlier date the model held (dates_derived_from_earlier,
derived_dates.sql), that date's rows relabelled with the new date: the log then holds, on the
new date, the rows that differ from the earlier date's (yesterday's "current" date for
today's), as if the earlier date had moved.
ops.<log>_build: one row, the build that wrote the log: the model's _loaded_through before
and after it, the dates it built whole without a comparison (gone from the universe, or new
with nothing earlier) - their rows are not in the log, so a consumer must not update those
dates by difference -, the new dates compared with an earlier one (dates_derived: day,
earlier), and the latest date it held before the build (held_through: the watermark then).
A build that compares nothing (first build, --full-refresh) drops both: no log, no shortcut.
-#}

{#- ops.<log><suffix>; the log of this model's changed_rows config unless `log` names one. -#}
{% macro changed_rows_log(suffix='', log=none) -%}
    ops.{{ log or rebuild_keys_config()['changed_rows']['log'] }}{{ suffix }}
{%- endmacro %}


{#- ops.<model>__before: a by_difference model's rows of the keys it updates, as they were. -#}
{% macro rows_before_update() -%}
    ops.{{ this.identifier }}__before
{%- endmacro %}


{#- The incremental strategy (config incremental_strategy='replace_changed_rows'), one
    transaction: dates built whole are replaced whole; the other dates only where rows differ. -#}
{% macro get_incremental_replace_changed_rows_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set built = arg_dict['temp_relation'] -%}
    {%- set cfg = rebuild_keys_config() -%}
    {%- set key = cfg['changed_rows']['key'] -%}
    {%- set date_column = cfg['date_column'] -%}
    {%- set date_index = cfg['columns'].index(date_column) -%}
    {%- set whole = keys_built_whole() -%}
    {%- set compared = keys_to_replace() | reject('in', whole) | list -%}
    {%- set derived = dates_derived_from_earlier(keys_new()) -%}
    {%- set derived_days = derived | map(attribute=0) | list -%}
    {#- the key's columns are never NULL: a NULL in the first marks the side without the key -#}
    {%- set columns = [] -%}
    {%- for column in arg_dict['dest_columns'] if column.name != '_loaded_through' -%}
        {%- do columns.append(adapter.quote(column.name)) -%}
    {%- endfor -%}
    {%- set log = changed_rows_log() -%}
    create or replace table {{ changed_rows_log('_build') }} as
    select
        (select coalesce(max(_loaded_through), 0) from {{ target }}) as previous_loaded_through,
        {{ loaded_through() }} as loaded_through,
        cast([{% for k in whole if k[date_index] not in derived_days %}date '{{ k[date_index] }}'{{ ', ' if not loop.last }}{% endfor %}] as date[]) as dates_built_whole,
        cast([{% for day, earlier in derived %}{'day': date '{{ day }}', 'earlier': date '{{ earlier }}'}{{ ', ' if not loop.last }}{% endfor %}]
            as struct(day date, earlier date)[]) as dates_derived,
        (select max({{ date_column }}) from {{ target }}) as held_through;

    create or replace temp table changed_row_pairs as
    with held as (
        select {{ columns | join(', ') }} from {{ target }}
        where {{ key_dates_filter(compared, date_column) }}
    ),

    rebuilt as (
        select {{ columns | join(', ') }} from {{ built }}
        where {{ key_dates_filter(compared, date_column) }}
    )

    select held, rebuilt  -- rows as structs; a side without the key: a struct of NULLs
    from held
    full join rebuilt
        on {% for column in key %}held.{{ column }} = rebuilt.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
    where held is distinct from rebuilt
    {%- for day, earlier in derived %}

    union all
    -- a new date against the latest earlier date held, as if that date had moved to it
    select held_earlier as held, rebuilt_new as rebuilt
    from (
        select {% for column in columns %}{{ "date '" ~ day ~ "'" if column == adapter.quote(date_column) else column }} as {{ column }}{{ ', ' if not loop.last }}{% endfor %}
        from {{ target }}
        where {{ date_column }} = date '{{ earlier }}'
    ) as held_earlier
    full join (
        select {{ columns | join(', ') }} from {{ built }}
        where {{ date_column }} = date '{{ day }}'
    ) as rebuilt_new
        on {% for column in key %}held_earlier.{{ column }} = rebuilt_new.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
    where held_earlier is distinct from rebuilt_new
    {%- endfor %};

    create or replace table {{ log }} as
    select unnest(held), true as is_before from changed_row_pairs
    where held.{{ key[0] }} is not null
    union all
    select unnest(rebuilt), false as is_before from changed_row_pairs
    where rebuilt.{{ key[0] }} is not null;

    drop table changed_row_pairs;

    delete from {{ target }}
    where {{ key_filter(whole) }}
        or ({{ key | join(', ') }}) in (select {{ key | join(', ') }} from {{ log }} where is_before);

    insert into {{ target }} ({{ columns | join(', ') }}, _loaded_through)
    select {{ columns | join(', ') }}, {{ loaded_through() }} from {{ log }} where not is_before
    {%- if derived_days %}
        and not {{ dates_in(date_column, derived_days) }}  -- inserted whole below
    {%- endif %}
    union all
    select {{ columns | join(', ') }}, _loaded_through from {{ built }}
    where {{ key_dates_filter(whole, date_column) }}
    order by {{ key | join(', ') }};  -- clustered by the key, as a full build stores them

    {{ drop_built_rows(arg_dict) }}
{% endmacro %}


{#- pre_hook of a changed_rows model built whole: the log of an earlier build no longer
    describes the table. -#}
{% macro drop_changed_rows_log() %}
    create schema if not exists ops;
    drop table if exists {{ changed_rows_log() }};
    drop table if exists {{ changed_rows_log('_build') }}
{% endmacro %}


{#- Of `keys` (keys_to_replace of a model aggregating a changed_rows model per period; config
    rebuild_keys.by_difference below), those it may update by difference: built before, every
    date the model reads for them either the date it read then, compared (or untouched) by the
    changed_rows model, or a new date that model compared with the date read then (the open
    period's as_of_end moving with the watermark: the dates are evaluated again with the
    watermark then, held_through), and that model's log written by the build that followed
    this model's last one (else a change would be missed: e.g. a night when this model was
    skipped). [] when any of it does not hold: the model then recounts those keys over every
    customer.

    rebuild_keys={..., 'columns': ['grain', 'period_end'], 'by_difference': {
        'model': 'int_customer_segments', 'log': 'segment_changes',
        'dates': ['as_of_end', 'cast(period_start - interval 1 day as date)'],
    }}
    (`dates`: the dates the model reads for a period, as expressions over the columns of its
    universe, the periods)
-#}
{% macro keys_updated_by_difference(keys) %}
    {%- if keys is none or keys | length == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set cfg = rebuild_keys_config()['by_difference'] -%}
    {%- set build = changed_rows_log('_build', cfg['log']) -%}
    {%- set log_exists = run_query(
        "select count(*) from information_schema.tables where table_schema = 'ops'"
        ~ " and table_name = '" ~ cfg['log'] ~ "_build'"
    ).columns[0].values()[0] -%}
    {%- if log_exists == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set whole = keys_built_whole() -%}
    {%- set candidates = keys | reject('in', whole) | list -%}
    {%- if candidates | length == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        with periods as (
            select * from {{ ref(rebuild_keys_config()['universe']) }}
            where {{ key_filter(candidates) }}
        ),

        periods_then as (
            -- as the previous build read them: the watermark was the latest date the log's model held
            select * replace (least(period_end, (select held_through from {{ build }})) as as_of_end)
            from periods
        ),

        dates_now as (
            select grain, period_end, [{{ cfg['dates'] | join(', ') }}] as days from periods
        ),

        dates_then as (
            select grain, period_end, [{{ cfg['dates'] | join(', ') }}] as days from periods_then
        )

        select cast(dates_now.grain as varchar), cast(dates_now.period_end as varchar)
        from dates_now
        inner join dates_then using (grain, period_end)
        cross join {{ build }} as build
        where build.previous_loaded_through = (select coalesce(max(_loaded_through), 0) from {{ this }})
            and build.loaded_through = {{ loaded_through() }}
            {%- for date in cfg['dates'] %}
            {%- set now, then = 'dates_now.days[' ~ loop.index ~ ']', 'dates_then.days[' ~ loop.index ~ ']' %}
            -- the same date as then, compared (or untouched); or a new date compared with that one
            and (
                ({{ now }} = {{ then }} and not list_contains(build.dates_built_whole, {{ now }}))
                or list_contains(build.dates_derived, {'day': {{ now }}, 'earlier': {{ then }}})
            )
            {%- endfor %}
        order by all
    {%- endset -%}
    {%- set updated = run_query(query).rows | map('list') | list -%}
    {%- do log(model.name ~ ": updating " ~ updated | length ~ " key(s) by difference", info=false) -%}
    {{ return(updated) }}
{% endmacro %}


{#- pre_hook part of such a model: its rows of the keys updated by difference, as they were
    before this build (the model adds the difference to them). -#}
{% macro save_rows_updated_by_difference(keys) %}
    create schema if not exists ops;
    create or replace table {{ rows_before_update() }} as
    select * from {{ this }}
    where {{ key_filter(keys) }};
{% endmacro %}


{#- The CTEs a model updating the periods `keys` by difference starts from: periods,
    period_dates (the by_difference dates of those periods), changes (the log on those dates),
    segments_after (the rows on those dates of the customers in the log, as they are now) and
    segments_before (the same, as they were: the logged rows before the build in place of the
    changed ones, without the rows that appeared). -#}
{% macro segments_by_difference(keys) %}
    {%- set cfg = rebuild_keys_config()['by_difference'] -%}
periods as (
    select * from {{ ref(rebuild_keys_config()['universe']) }}
    where {{ key_filter(keys) }}
),

period_dates as (
    {%- for date in cfg['dates'] %}
    select {{ date }} as as_of_date from periods
    {{- ' union' if not loop.last }}
    {%- endfor %}
),

changes as (
    select * from {{ changed_rows_log(log=cfg['log']) }}
    where as_of_date in (select as_of_date from period_dates)
),

segments_after as (
    select * from {{ ref(cfg['model']) }}
    where as_of_date in (select as_of_date from period_dates)
        and customer_id in (select customer_id from changes)
),

segments_before as (
    select * from segments_after
    where (customer_id, as_of_date) not in (select customer_id, as_of_date from changes)
    union all by name
    select * exclude (is_before) from changes
    where is_before
)
{%- endmacro %}


{#- The rows of the periods updated by difference: the model's rows as they were (saved by the
    pre-hook), plus `after` minus `before` (the model's counts over the changed customers, as
    they are now and as they were), summed per segment; `columns` are the summed columns as
    (name, type or none to keep the sum's type); a segment whose `exists_column` falls to 0
    has no row any more. -#}
{% macro add_difference(after, before, columns, exists_column) %}
    {%- set groups = ['grain', 'period_start', 'period_end', 'segment_dimension', 'segment'] -%}
    select
        {{ groups | join(', ') }},
        {{ sum_columns(columns) }}
    from (
        select * exclude (_loaded_through) from {{ rows_before_update() }}
        union all by name
        select * from {{ after }}
        union all by name
        select
            {{ groups | join(', ') }},
            {%- for column, _ in columns %}
            -{{ column }} as {{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ before }}
    )
    group by {{ groups | join(', ') }}
    having sum({{ exists_column }}) > 0
{%- endmacro %}


{#- `sum(column)` of each (column, type) of `columns`, 0 when there is nothing to sum, cast to
    the type when one is given. -#}
{% macro sum_columns(columns) -%}
    {%- for column, type in columns %}
    {% if type %}cast({% endif %}coalesce(sum({{ column }}), 0){% if type %} as {{ type }}){% endif %} as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- The end of a model counting per period and segment that updates periods by difference
    (int_segment_flows, int_segment_annual_churn), after its CTE `recounted` (the periods
    counted over every customer): the periods `by_difference` updated, then every row with
    this build's _loaded_through. `customer_rows(periods, segments)` and `counts(rows)` are
    the model's own macros (the same SQL as its recount, over the changed customers as they
    are and as they were), `columns` its summed columns, `exists_column` the one that is 0 for
    a segment with no customer. -#}
{% macro select_counts_updated_by_difference(by_difference, customer_rows, counts, columns, exists_column) %}
{%- if by_difference %},

{{ segments_by_difference(by_difference) }},

customer_rows_after as (
    {{ customer_rows('periods', 'segments_after') }}
),

customer_rows_before as (
    {{ customer_rows('periods', 'segments_before') }}
),

counts_after as (
    {{ counts('customer_rows_after') }}
),

counts_before as (
    {{ counts('customer_rows_before') }}
),

updated as (
    {{ add_difference('counts_after', 'counts_before', columns, exists_column) }}
)
{%- endif %}

select *, {{ loaded_through() }} as _loaded_through from recounted
{%- if by_difference %}
union all by name
select *, {{ loaded_through() }} as _loaded_through from updated
{%- endif %}
{%- endmacro %}

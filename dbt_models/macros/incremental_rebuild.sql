{#-
Incremental rebuilds by key (docs/architecture.md, "Incremental builds").

A model configured with `rebuild_keys` is built whole the first time (and with --full-refresh);
afterwards each build replaces only the keys - snapshot dates, or periods - that can have
changed, in one transaction:
  - keys whose date is on or after the earliest event touched by any ingestion since the
    model's last build (raw.change_log rows with _load_id above the model's _loaded_through);
  - keys of the universe the model has not built yet (a new period, the new current date);
  - keys the model holds that have left the universe (yesterday's current date): deleted only,
    by a post-hook after the insert (the model may read them: derived_dates.sql).
This is exact because the rows of a key depend only on data dated up to the key's date.

With `per_customer`, a key already built is replaced only for the customers whose orders the
loads since the model's last build touched (raw.change_customers): for a model whose rows
depend on each customer's own orders alone (int_customer_measures), the others are unchanged.
Keys built whole (new, or left the universe) cover every customer, unless the model derives a
new date from an earlier one itself (int_customer_measures, derived_dates.sql).

    rebuild_keys={
        'universe': 'int_periods',             -- the model listing every key that should exist
        'columns': ['grain', 'period_end'],    -- the key; text columns and the date column
        'date_column': 'period_end',           -- one of the columns: the key's date
        'universe_filter': 'is_closed',        -- optional: a condition on the universe rows
        'entities': ['orders.orders', ...],    -- optional: change_log entities that matter
        'per_customer': 'customer_id',         -- optional: the customer column (see above)
        'rows_from': {'model': 'int_customer_segments', 'column': 'as_of_date', 'days': 365},
            -- optional: keys dated before min(column) + days of that model hold no rows; they
            -- are left out of the universe (never stored, they would look never built and be
            -- recomputed on every build)
    }

Usage in a model:
    {{ config(**incremental_by_keys({...})) }}   -- incremental, append, pre_hook delete
    {%- set keys = keys_to_replace() %}
    ... where {{ key_filter(keys, 'alias') }} ...   -- literal lists: DuckDB pushes them down
    ... and {{ changed_rows_filter(keys, 'alias.date', 'alias.customer_id') }}  -- per_customer
    ... {{ loaded_through() }} as _loaded_through
-#}

{#- The config of a model incremental by key: {{ config(**incremental_by_keys({...})) }}. -#}
{% macro incremental_by_keys(rebuild_keys) %}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'replace_changed_rows' if 'changed_rows' in rebuild_keys else 'append_then_drop_built',
        'on_schema_change': 'fail',
        'rebuild_keys': rebuild_keys,
        'pre_hook': '{{ delete_keys_to_replace() }}',
        'post_hook': '{{ delete_keys_gone() }}',
    }) }}
{% endmacro %}


{% macro rebuild_keys_config() %}
    {%- set cfg = config.get('rebuild_keys') -%}
    {%- if cfg is none -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": config rebuild_keys is missing") }}
    {%- endif -%}
    {%- if cfg['date_column'] not in cfg['columns'] -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": rebuild_keys.date_column must be one of its columns") }}
    {%- endif -%}
    {{ return(cfg) }}
{% endmacro %}


{#- The snapshot chain reads orders, order lines and CRM versions. -#}
{% macro default_rebuild_entities() %}
    {{ return(['crm.customers', 'orders.orders', 'orders.order_lines']) }}
{% endmacro %}


{#- The highest _load_id this build reflects: stored on every row the build writes. -#}
{% macro loaded_through() -%}
    (select coalesce(max(_load_id), 0) from {{ source('raw', 'change_log') }})
{%- endmacro %}


{#- SQL: the earliest reporting date touched by an ingestion since this model's last build
    (9999-12-31 when nothing relevant was ingested). -#}
{% macro changed_from(entities) -%}
    (
        select coalesce(min({{ reporting_date('earliest_event_at') }}), date '9999-12-31')
        from {{ source('raw', 'change_log') }}
        where source || '.' || entity in ('{{ entities | join("', '") }}')
            and _load_id > (select coalesce(max(_loaded_through), 0) from {{ this }})
    )
{%- endmacro %}


{#- The keys this build replaces, as rows of text (in `columns` order); none when the model is
    built whole (first build, --full-refresh, parsing, unit tests). -#}
{% macro keys_to_replace() %}
    {{ return(_rebuild_keys('changed')) }}
{% endmacro %}


{#- Of those, the keys built for every customer: new, or left the universe. -#}
{% macro keys_built_whole() %}
    {{ return(_rebuild_keys('whole')) }}
{% endmacro %}


{#- Of those, the keys new to the model (built whole, not gone). -#}
{% macro keys_new() %}
    {{ return(_rebuild_keys('new')) }}
{% endmacro %}


{#- Of those, the keys that left the universe: deleted by the post-hook. -#}
{% macro keys_gone() %}
    {{ return(_rebuild_keys('gone')) }}
{% endmacro %}


{#- One query per model and build lists every key with what it is (new: never built; gone: no
    longer in the universe; changed: dated on or after the earliest change since the model's
    last build); each variant above filters it. The build decides its keys once, before it
    writes (query_once): asked for again in the hooks and the strategy, the same keys come back
    without another scan of the model (at 1M: 4 to 8 queries a model, ~4 s of a nightly). -#}
{% macro _rebuild_keys(which) %}
    {%- if not execute or model.resource_type == 'unit_test' or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set cfg = rebuild_keys_config() -%}
    {%- set columns = cfg['columns'] -%}
    {%- set entities = cfg.get('entities', default_rebuild_entities()) -%}
    {%- set query -%}
        with universe as (
            select distinct {{ columns | join(', ') }}
            from {{ ref(cfg['universe']) }}
            where {{ cfg.get('universe_filter', 'true') }}
            {%- set rows_from = cfg.get('rows_from') %}
            {%- if rows_from %}
                and {{ cfg['date_column'] }} >= coalesce((
                    select cast(min({{ rows_from['column'] }}) + interval {{ rows_from.get('days', 0) }} day as date)
                    from {{ ref(rows_from['model']) }}
                ), date '0001-01-01')
            {%- endif %}
        ),

        built as (
            select distinct {{ columns | join(', ') }} from {{ this }}
        )

        select
            {%- for column in columns %}
            cast(coalesce(universe.{{ column }}, built.{{ column }}) as varchar) as {{ column }},
            {%- endfor %}
            built.{{ columns[0] }} is null as is_new,
            universe.{{ columns[0] }} is null as is_gone,
            coalesce(universe.{{ cfg['date_column'] }} >= {{ changed_from(entities) }}, false) as is_changed
        from universe
        full join built
            on {% for column in columns %}built.{{ column }} = universe.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
        order by {{ range(1, columns | length + 1) | join(', ') }}
    {%- endset -%}
    {%- set width = columns | length -%}
    {%- set keys = [] -%}
    {%- for row in query_once(query) -%}
        {%- set is_new, is_gone, is_changed = row[width], row[width + 1], row[width + 2] -%}
        {%- if (which == 'new' and is_new)
            or (which == 'gone' and is_gone)
            or (which == 'whole' and (is_new or is_gone))
            or (which == 'changed' and (is_new or is_gone or is_changed)) -%}
            {%- do keys.append(row[:width] | list) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set what = {'changed': 'to replace', 'whole': 'built for every customer', 'new': 'new', 'gone': 'gone'}[which] -%}
    {%- do log(model.name ~ ": " ~ keys | length ~ " key(s) " ~ what, info=false) -%}
    {{ return(keys) }}
{% endmacro %}


{#- The rows of `sql` (lists), queried once per model and dbt invocation: a macro asked for
    the same query again - while the model's SQL is compiled, then by its hooks and its
    incremental strategy - gets the rows of the first time, i.e. as they were before the
    model wrote anything. Kept in `graph`, the one dict every node's contexts share within an
    invocation (dbt gives the compile step and the materialization contexts of their own). -#}
{% macro query_once(sql) %}
    {%- set cache = graph.setdefault('segment_kpis_query_once', {}) -%}
    {%- set key = invocation_id ~ ' ' ~ model.unique_id ~ ' ' ~ sql -%}
    {%- if key not in cache -%}
        {%- do cache.update({key: run_query(sql).rows | map('list') | list}) -%}
    {%- endif -%}
    {{ return(cache[key]) }}
{% endmacro %}


{#- per_customer models: within `keys`, every customer on the keys built whole, and only the
    customers whose orders changed since the model's last build on the others
    (changed_customers_filter, incremental_by_customer.sql); `true` otherwise. -#}
{% macro changed_rows_filter(keys, date_column, customer_column) -%}
    {%- if keys is none or not rebuild_keys_config().get('per_customer') -%}
        true
    {%- else -%}
        ({{ key_dates_filter(keys_built_whole(), date_column) }}
        or {{ changed_customers_filter(customer_column) }})
    {%- endif -%}
{%- endmacro %}


{#- A condition selecting the rows of `keys` (columns prefixed by `alias`): `true` when the
    model is built whole, `false` when there is nothing to replace. The date column gets its
    own IN list, which DuckDB pushes down to the scans. -#}
{% macro key_filter(keys, alias=none) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {%- if keys is none or keys | length == 0 -%}
        {{ key_dates_filter(keys, none) }}
    {%- else -%}
        {%- set cfg = rebuild_keys_config() -%}
        {%- set columns = cfg['columns'] -%}
        {%- set date_index = columns.index(cfg['date_column']) -%}
        {{ key_dates_filter(keys, prefix ~ cfg['date_column']) }}
        {%- if columns | length > 1 %}
        and ({% for column in columns %}{{ prefix }}{{ column }}{{ ', ' if not loop.last }}{% endfor %}) in (
            {%- for key in keys -%}
            ({% for value in key %}{% if loop.index0 == date_index %}date '{{ value }}'{% else %}'{{ value }}'{% endif %}{{ ', ' if not loop.last }}{% endfor %}){{ ', ' if not loop.last }}
            {%- endfor -%}
        )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- `column in (<the dates of keys>)`, or `true` when the model is built whole: narrows a table
    read by date (e.g. the segments at the end of the periods being rebuilt) before a join. -#}
{% macro key_dates_filter(keys, column) -%}
    {%- if keys is none -%}
        true
    {%- elif keys | length == 0 -%}
        false
    {%- else -%}
        {{ dates_in(column, key_dates(keys)) }}
    {%- endif -%}
{%- endmacro %}


{#- The distinct dates of a non-empty list of keys, sorted (ISO strings). -#}
{% macro key_dates(keys) -%}
    {%- set cfg = rebuild_keys_config() -%}
    {%- set date_index = cfg['columns'].index(cfg['date_column']) -%}
    {{ return(keys | map(attribute=date_index) | unique | sort | list) }}
{%- endmacro %}


{#- `column in (date '...', ...)` over a non-empty list of ISO dates, with the range they span:
    DuckDB carries a range, not an IN list, across a join's equal columns to the other side
    (e.g. from int_customer_segments' date list to both scans of the measures behind
    int_customer_scores). -#}
{% macro dates_in(column, dates) -%}
    ({{ column }} between date '{{ dates | min }}' and date '{{ dates | max }}'
    and {{ column }} in ({% for day in dates %}date '{{ day }}'{{ ', ' if not loop.last }}{% endfor %}))
{%- endmacro %}


{#- `select * from relation` on the dates of `keys` (a model keyed by date alone), one UNION ALL
    branch per run of dates less than `gap_days` apart, or whole when the model is built whole.
    Each branch's range is tight, and a range is what reaches the scans a view joins on the
    date (above): a nightly's dates are the weeks late data reaches plus the new CLV window's
    start a year back, and one range over them all made int_customer_scores count the values
    of a year of dates (at 1M: 10.3-13.2 s against 8.5-10.5 s for the same rows). -#}
{% macro select_on_key_dates(relation, keys, column, gap_days=31) -%}
    {%- if keys is none or keys | length == 0 -%}
    select * from {{ relation }} where {{ key_dates_filter(keys, column) }}
    {%- else -%}
        {%- for run in date_runs(key_dates(keys), gap_days) %}
    select * from {{ relation }} where {{ dates_in(column, run) }}
    {{- ' union all' if not loop.last }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#- Sorted ISO dates split into runs: a new run starts after a gap of `gap_days` or more. -#}
{% macro date_runs(dates, gap_days) -%}
    {%- set runs = [[dates[0]]] -%}
    {%- for day in dates[1:] -%}
        {%- set gap = modules.datetime.date.fromisoformat(day)
            - modules.datetime.date.fromisoformat(runs[-1][-1]) -%}
        {%- if gap.days < gap_days -%}
            {%- do runs[-1].append(day) -%}
        {%- else -%}
            {%- do runs.append([day]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(runs) }}
{%- endmacro %}


{#- For period keys (grain, period_end): `column in (<the as_of_end of those periods>)` - the
    dates their state "at end" is taken on, the watermark for the open period - or `true` when
    the model is built whole. -#}
{% macro as_of_end_filter(keys, column) -%}
    {%- if not keys -%}
        {{ key_dates_filter(keys, column) }}  {#- built whole: true; nothing to replace: false #}
    {%- else -%}
        {%- set dates = run_query(
            "select distinct cast(as_of_end as varchar) from " ~ ref('int_periods')
            ~ " where " ~ key_filter(keys) ~ " order by 1"
        ).columns[0].values() -%}
        {{ dates_in(column, dates) }}
    {%- endif -%}
{%- endmacro %}


{#- pre_hook: delete the rows of the keys this build replaces (same transaction as the insert);
    the keys gone from the universe stay until the post-hook, so that the model can still read
    them (int_customer_measures derives a new date from the one before it). -#}
{% macro delete_keys_to_replace() %}
    {%- if execute and 'changed_rows' in rebuild_keys_config() -%}
        {%- if is_incremental() -%}
            select 1  -- the strategy replaces what changed (changed_rows.sql)
        {%- else -%}
            {{ drop_changed_rows_log() }}
        {%- endif -%}
    {%- elif execute and is_incremental() -%}
        {%- set keys = keys_to_replace() %}
        {%- set cfg = rebuild_keys_config() %}
        {%- if 'by_difference' in cfg %}
        {{ save_rows_updated_by_difference(keys_updated_by_difference(keys)) }}
        {%- endif %}
        delete from {{ this }}
        where {{ key_filter(keys | reject('in', keys_gone()) | list) }}
            and {{ changed_rows_filter(keys, cfg['date_column'], cfg.get('per_customer', 'null')) }}
    {%- else -%}
        select 1  -- built whole: nothing to delete
    {%- endif -%}
{% endmacro %}


{#- post_hook: delete the rows of the keys gone from the universe (same transaction). -#}
{% macro delete_keys_gone() %}
    {%- if execute and is_incremental() and 'changed_rows' not in rebuild_keys_config() -%}
        delete from {{ this }} where {{ key_filter(keys_gone()) }}
    {%- else -%}
        select 1  -- built whole, or the changed_rows strategy deletes them itself
    {%- endif -%}
{% endmacro %}

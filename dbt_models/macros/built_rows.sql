{#-
The temporary table an incremental build computes its rows in (docs/architecture.md,
"Incremental builds").

dbt-duckdb builds an incremental model's new rows in a temporary table and leaves it to the
end of the connection; dbt runs every model of a build on one reused connection (threads: 1),
so every incremental model's new rows stayed in memory until the build ended. Every strategy
here drops the table as its last statement, once its rows are in the model.
-#}

{#- The incremental strategy 'append_then_drop_built': dbt's append, then the drop. -#}
{% macro get_incremental_append_then_drop_built_sql(arg_dict) %}
    {{ get_incremental_append_sql(arg_dict) }};
    {{ drop_built_rows(arg_dict) }}
{% endmacro %}


{% macro drop_built_rows(arg_dict) -%}
    drop table if exists {{ arg_dict['temp_relation'] }}
{%- endmacro %}

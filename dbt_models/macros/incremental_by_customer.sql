{#-
Incremental rebuilds by customer (docs/architecture.md, "Incremental builds").

For a model whose rows of a customer depend on that customer's orders alone (int_orders,
int_customer_order_days, int_customer_category_days: running totals per customer). It is built
whole the first time (and with --full-refresh); afterwards each build deletes and inserts again,
in one transaction, the rows of the customers whose orders the loads since the model's last
build touched (raw.change_customers: the customers of every version of every order or order
line a load deleted or inserted, so an order moved to another customer rebuilds both).

Usage in a model:
    {{ config(**incremental_by_customer()) }}
    ... where {{ changed_customers_filter('customer_id') }} ...  -- on the model's input rows
    ... {{ loaded_through() }} as _loaded_through
-#}

{% macro incremental_by_customer() %}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append_then_drop_built',
        'on_schema_change': 'fail',
        'pre_hook': '{{ delete_changed_customers() }}',
    }) }}
{% endmacro %}


{#- The highest _load_id the model's rows reflect, as a literal read now, so that the pre-hook
    delete and the model's select pick exactly the same customers. -#}
{% macro last_loaded_through() -%}
    {{ return(run_query("select coalesce(max(_loaded_through), 0) from " ~ this).columns[0].values()[0]) }}
{%- endmacro %}


{#- `column in (<customers whose orders changed since the model's last build>)`, or `true` when
    the model is built whole (first build, --full-refresh, parsing, unit tests). -#}
{% macro changed_customers_filter(column) -%}
    {%- if not execute or model.resource_type == 'unit_test' or not is_incremental() -%}
        true
    {%- else -%}
        {{ column }} in (
            select customer_id from {{ source('raw', 'change_customers') }}
            where _load_id > {{ last_loaded_through() }}
        )
    {%- endif -%}
{%- endmacro %}


{#- `order_id in (<the orders any version of which belongs to a changed customer>)`, or `true`
    when the model is built whole: narrows the order versions before their "current version"
    window (order_versions.sql), keeping every version of each order it selects. -#}
{% macro changed_orders_filter() -%}
    {%- set customers = changed_customers_filter('customer_id') | trim -%}
    {%- if customers == 'true' -%}
        true
    {%- else -%}
        order_id in (select order_id from {{ source('raw', 'orders_orders') }} where {{ customers }})
    {%- endif -%}
{%- endmacro %}


{#- pre_hook: delete the changed customers' rows (same transaction as the insert). -#}
{% macro delete_changed_customers() %}
    {%- if execute and is_incremental() -%}
        delete from {{ this }} where {{ changed_customers_filter('customer_id') }}
    {%- else -%}
        select 1  -- built whole: nothing to delete
    {%- endif -%}
{% endmacro %}

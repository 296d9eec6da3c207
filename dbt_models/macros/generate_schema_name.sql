{#- Layers are schemas named exactly raw / staging / intermediate / marts / quarantine / reference. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}

{#- The configured segment dimensions (dbt_project.yml vars.segment_dimensions). -#}
{% macro segment_dimensions() -%}
    {{ return(var('segment_dimensions')) }}
{%- endmacro %}

{% macro segment_dimension_names() -%}
    {{ return(var('segment_dimensions') | map(attribute='name') | list) }}
{%- endmacro %}

{#- The SQL expression giving a dimension's segment; NULL becomes 'unknown'. -#}
{% macro segment_expression(dimension) -%}
    {%- if dimension.bands is defined -%}
        case
        {%- for band in dimension.bands %}
            when {{ dimension.column }} is not null
                {%- if band.min is defined %} and {{ dimension.column }} >= {{ band.min }}{% endif %}
                {%- if band.max is defined %} and {{ dimension.column }} < {{ band.max }}{% endif %}
                then '{{ band.segment }}'
        {%- endfor %}
            else 'unknown'
        end
    {%- else -%}
        coalesce(cast(({{ dimension.sql }}) as varchar), 'unknown')
    {%- endif -%}
{%- endmacro %}

{#- Lead dimensions: those with a lead_sql. -#}
{% macro lead_dimensions() -%}
    {{ return(var('segment_dimensions') | selectattr('lead_sql', 'defined') | list) }}
{%- endmacro %}

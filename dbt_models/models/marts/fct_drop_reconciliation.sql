-- Nothing lost silently: per drop and entity, rows read = accepted + quarantined + superseded.
-- accepted: rows that are the current version of their key (and convertible to the reporting
-- currency); superseded: rows replaced by a newer version; quarantined: rows rejected at
-- ingestion plus current versions whose amount has no fx rate.
with ingestion_log as (
    select * from {{ source('raw', 'ingestion_log') }}
),

staged as (
    {%- set staged_entities = [
        ('crm', 'customers', 'stg_crm__customers'),
        ('crm', 'leads', 'stg_crm__leads'),
        ('marketing', 'spend', 'stg_marketing__spend'),
        ('orders', 'orders', 'stg_orders__orders'),
        ('orders', 'order_lines', 'stg_orders__order_lines'),
        ('surveys', 'responses', 'stg_surveys__responses'),
    ] %}
    {%- for source_name, entity, model in staged_entities %}
    select
        '{{ source_name }}' as source,
        '{{ entity }}' as entity,
        _drop_date,
        count(*) filter (where is_current) as rows_current,
        count(*) filter (where not is_current) as rows_superseded
    from {{ ref(model) }}
    group by _drop_date
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

fx_quarantined as (
    select source, entity, _drop_date, count(*) as rows_fx_quarantined
    from {{ ref('fx_unconverted') }}
    group by all
),

read_counts as (
    select
        source,
        entity,
        _drop_date,
        sum(rows_read) as rows_read,
        sum(rows_loaded) as rows_loaded,
        sum(rows_quarantined) as rows_quarantined_at_ingestion
    from ingestion_log
    group by all
)

select
    read_counts._drop_date as drop_date,
    read_counts.source,
    read_counts.entity,
    read_counts.rows_read,
    coalesce(staged.rows_current, 0) - coalesce(fx_quarantined.rows_fx_quarantined, 0) as rows_accepted,
    read_counts.rows_quarantined_at_ingestion + coalesce(fx_quarantined.rows_fx_quarantined, 0)
        as rows_quarantined,
    coalesce(staged.rows_superseded, 0) as rows_superseded,
    read_counts.rows_read = read_counts.rows_loaded + read_counts.rows_quarantined_at_ingestion
        and read_counts.rows_loaded = coalesce(staged.rows_current, 0) + coalesce(staged.rows_superseded, 0)
        as is_reconciled
from read_counts
left join staged
    on read_counts.source = staged.source
    and read_counts.entity = staged.entity
    and read_counts._drop_date = staged._drop_date
left join fx_quarantined
    on read_counts.source = fx_quarantined.source
    and read_counts.entity = fx_quarantined.entity
    and read_counts._drop_date = fx_quarantined._drop_date

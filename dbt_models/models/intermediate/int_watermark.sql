-- The watermark: the latest extract_date fully ingested. A period is closed when it ends
-- before the watermark (data for the day after its end has been ingested).
select
    max(_drop_date) as watermark
from {{ source('raw', 'ingestion_log') }}

-- One row per order destination.
select
  geography_key,
  order_city,
  order_state,
  order_country,
  order_region,
  market,
  order_zipcode
from {{ source('silver', 'dim_geography') }}

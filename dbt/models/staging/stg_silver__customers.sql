-- One row per customer: the silver customer dimension as the marts read it.
select
  customer_id,
  first_name,
  last_name,
  segment,
  street,
  city,
  state,
  country,
  zipcode
from {{ source('silver', 'dim_customer') }}

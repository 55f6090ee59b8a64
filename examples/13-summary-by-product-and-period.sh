#!/usr/bin/env bash
# Per product and month, one product per month, and one day by the hour.
source "$(dirname "$0")/lib.sh"
call GET "/sales/summary?group_by=product-month" "" 200
call GET "/sales/summary?group_by=month&product_id=1" "" 200
call GET "/sales/summary?group_by=hour&from=2022-10-08&to=2022-10-08" "" 200

#!/usr/bin/env bash
# Revenue, units and sale count per year (from the pre-aggregated counters), and the total.
source "$(dirname "$0")/lib.sh"
call GET "/sales/summary?group_by=year" "" 200
call GET "/sales/summary" "" 200

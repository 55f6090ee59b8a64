#!/usr/bin/env bash
# This year against last year, in total and per category, with the change in percent.
source "$(dirname "$0")/lib.sh"
call GET "/sales/compare?period=year&current=2023&previous=2022" "" 200
call GET "/sales/compare?period=year&current=2023&previous=2022&by=category" "" 200
call GET "/sales/compare?period=month&current=2022-11&previous=2022-10&by=product" "" 200

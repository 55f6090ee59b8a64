#!/usr/bin/env bash
# The best products of a year by revenue, and the best categories of a month by units.
source "$(dirname "$0")/lib.sh"
call GET "/sales/top?by=product&period=year&at=2022&limit=3" "" 200
call GET "/sales/top?by=category&period=month&at=2022-10&metric=units" "" 200

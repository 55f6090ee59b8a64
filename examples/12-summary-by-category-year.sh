#!/usr/bin/env bash
# Per category and year; the seed's spelling `category-year` and its day alias `category-date`.
source "$(dirname "$0")/lib.sh"
call GET "/sales/summary?group_by=category-year" "" 200
call GET "/sales/summary?group_by=category-date&from=2022-10-01&to=2022-12-31" "" 200

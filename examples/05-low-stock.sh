#!/usr/bin/env bash
# Products at or below their alert threshold (read from a sparse index, never a Scan).
source "$(dirname "$0")/lib.sh"
call GET /inventory/low-stock "" 200
call GET "/inventory/low-stock?category_name=electronics" "" 200

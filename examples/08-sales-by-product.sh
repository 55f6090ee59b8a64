#!/usr/bin/env bash
# One product's sales, newest first.
source "$(dirname "$0")/lib.sh"
call GET "/sales?product_id=1" "" 200

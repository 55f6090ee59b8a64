#!/usr/bin/env bash
# A category's sales (the category at the moment of each sale), newest first.
source "$(dirname "$0")/lib.sh"
call GET "/sales?category_name=fashion&limit=5" "" 200

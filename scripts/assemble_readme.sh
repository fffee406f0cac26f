#!/bin/sh
# Developer helper: README.md = docs/readme/00-header.md + the area sections, in data-path order.
set -eu
cd "$(dirname "$0")/.."
{
  cat docs/readme/00-header.md
  for area in generate models mvm energy twin physics drivers engine gui; do
    [ -f "docs/readme/$area.md" ] || continue
    printf '\n'
    sed -e 's#](\.\./img/#](docs/img/#g' "docs/readme/$area.md"
  done
} > README.md

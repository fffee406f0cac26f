#!/bin/sh
# Install labctl and everything its tests need, from the project's own files.
#   sh scripts/setup.sh          -> the package (main job)
#   sh scripts/setup.sh test     -> + test extras, public drivers (qcodes, pymeasure),
#                                   torch CPU (training tests) and
#                                   Debian's Fashion-MNIST package (data-set metrics)
set -eu
cd "$(dirname "$0")/.."
if [ "${1:-}" = "test" ]; then
    if [ ! -d /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null; then
        apt-get install -y -q dataset-fashion-mnist >/dev/null \
          || { apt-get update -q >/dev/null && apt-get install -y -q dataset-fashion-mnist >/dev/null; }
    fi
    python -m pip install -q -e '.[test,train,oracle,thirdparty]'
else
    python -m pip install -q -e .
fi

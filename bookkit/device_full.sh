#!/usr/bin/env bash
# Run the book's chapters in the full profile on a lent GPU machine without network or Jupyter.
#
# Prepared here first:  python -m bookkit full-bundle   (chapter scripts + commit file in
# _build/full-scripts, the wheels the device image lacks in .whl/). On the device, from the
# repository root (carry .whl and _build/full-scripts):
#
#   bash bookkit/device_full.sh BUDGET_S [bookkit full options, e.g. --order cheapest CHAPTER.md ...]
#
# Installs the wheels into /tmp/site (no pip install of physml: physml and bookkit come from the
# tree through PYTHONPATH), runs as many chapters as fit in BUDGET_S seconds (longest expected
# first; a chapter still running at the end is killed and recorded as failed), and leaves in $OUT
# two files: run.log (the runner's summary) and full-records.tar.gz (records/<slug>.jsonl and
# logs/<slug>.log). Merge them here with:  python -m bookkit full-merge <files_at>/full-records.tar.gz
set -u
BUDGET=${1:?usage: bash bookkit/device_full.sh BUDGET_S [bookkit full options]}
shift
OUT=${OUT:-/tmp/physml-full-out}
WORK=/tmp/physml-full
SITE=/tmp/site
mkdir -p "$OUT"
rm -rf "$WORK" && mkdir -p "$WORK/records" "$WORK/logs"
{
  echo "# device_full.sh: budget ${BUDGET} s, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader 2>&1 || true
  test -f _build/full-scripts/COMMIT.json || { echo "no _build/full-scripts: run python -m bookkit full-bundle and carry it"; exit 2; }
  ls .whl/*.whl >/dev/null 2>&1 || { echo "no .whl/*.whl: run python -m bookkit full-bundle and carry .whl"; exit 2; }
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$SITE" .whl/*.whl 2>&1 | grep -v "WARNING: Running pip as" || true
  export PYTHONPATH="$SITE:$PWD"
  # the commit the scripts were made from (the device's .git, if any, can be older than the tree)
  eval "$(python3 -c "import json; c = json.load(open('_build/full-scripts/COMMIT.json')); print(f\"export PHYSML_COMMIT={c['commit']} PHYSML_TREE_DIRTY={int(bool(c.get('tree_dirty')))}\")")"
  python3 -c "import torch, physml, zuko, nucleardatapy, IPython; print('python', __import__('sys').version.split()[0], '| torch', torch.__version__, '| CUDA', torch.version.cuda, '| GPUs', torch.cuda.device_count())" || exit 3
  python3 -m bookkit full --budget "$BUDGET" --out "$WORK/records" --logs "$WORK/logs" "$@"
} 2>&1 | tee "$OUT/run.log"
status=${PIPESTATUS[0]}
tar -czf "$OUT/full-records.tar.gz" -C "$WORK" records logs
echo "device_full.sh: exit $status; $(ls "$WORK/records" | wc -l) record file(s) in $OUT/full-records.tar.gz"
exit "$status"

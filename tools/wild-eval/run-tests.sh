#!/usr/bin/env bash
# Runs the wild-eval generator's tests with its project-local venv (created on first use). Needs no
# ../shared: the tests make synthetic photos. Exit code = result; the last line reads "N passed, N failed".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/venv.sh"
wild_eval_ensure_venv
cd "${wild_eval_dir}"
exec "${WILD_EVAL_PY}" test_generate.py

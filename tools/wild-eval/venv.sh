# Sourced by wild-eval and run-tests.sh: makes sure the project-local venv in <repo>/.cache/wild-eval/venv
# exists and holds exactly requirements.txt, then sets WILD_EVAL_PY to its python. Idempotent: the venv is
# (re)installed only when it is missing or requirements.txt changed since the last install.
wild_eval_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
wild_eval_root="$(cd "${wild_eval_dir}/../.." && pwd)"
wild_eval_venv="${wild_eval_root}/.cache/wild-eval/venv"
wild_eval_ensure_venv() {
  local req="${wild_eval_dir}/requirements.txt" stamp="${wild_eval_venv}/.requirements.sha256" want
  want="$(sha256sum "${req}" | cut -d' ' -f1)"
  if [[ -x "${wild_eval_venv}/bin/python" && -f "${stamp}" && "$(cat "${stamp}")" == "${want}" ]]; then
    WILD_EVAL_PY="${wild_eval_venv}/bin/python"
    return 0
  fi
  command -v python3 >/dev/null || { echo "wild-eval: python3 is needed to create ${wild_eval_venv}" >&2; return 1; }
  echo "wild-eval: installing $(tr '\n' ' ' < "${req}")into ${wild_eval_venv}" >&2
  mkdir -p "$(dirname "${wild_eval_venv}")"
  python3 -m venv "${wild_eval_venv}" || return 1
  "${wild_eval_venv}/bin/pip" install --quiet --disable-pip-version-check -r "${req}" || return 1
  echo "${want}" > "${stamp}"
  WILD_EVAL_PY="${wild_eval_venv}/bin/python"
}

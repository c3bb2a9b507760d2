#!/usr/bin/env bash
# A real Milvus server for tests and local runs, without Docker: the PyPI package "milvus"
# (embedded Milvus: the full Milvus standalone binary with embedded etcd and local storage).
#
#   scripts/milvus-server.sh install                 # project-local venv in .cache/milvus/venv (idempotent)
#   scripts/milvus-server.sh start PORT DATA_DIR     # starts in the background, returns once it serves
#   scripts/milvus-server.sh stop DATA_DIR           # stops the server started with DATA_DIR
#
# Environment: MILVUS_START_TIMEOUT_S (default 180); MILVUS_TIME_TICK_MS (default 20; Milvus' own default
# is 200): Strong-consistency reads wait for the next time tick, so with 200 ms every matcher call
# waits ~0.1-0.4 s and tests run at a fraction of a reference per second. The server also binds its embedded etcd
# (PORT+1) and fixed internal ports (9091 metrics, 2380, 19529, 19531, 21121-21124, 53100), so
# run one per machine.
set -euo pipefail

MILVUS_PACKAGE_VERSION="2.3.5"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ROOT}/.cache/milvus/venv"
READY_LINE="Ctrl+C to exit"

die() { echo "milvus-server.sh: $*" >&2; exit 1; }

LAUNCHER='
import socket, sys
import milvus

def try_bind_port(self, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        return sock
    except OSError:
        sock.close()
        return None

milvus.MilvusServerConfig.try_bind_port = try_bind_port
sys.argv[0] = "milvus-server"
sys.exit(milvus.main())
'


install() {
  if [[ -x "${VENV}/bin/milvus-server" ]] && \
     [[ "$("${VENV}/bin/python" -c 'import importlib.metadata as m; print(m.version("milvus"))' 2>/dev/null)" == "${MILVUS_PACKAGE_VERSION}" ]]; then
    return 0
  fi
  command -v python3 >/dev/null || die "python3 is needed to install milvus ${MILVUS_PACKAGE_VERSION}"
  mkdir -p "$(dirname "${VENV}")"
  python3 -m venv "${VENV}"
  "${VENV}/bin/pip" install --quiet --disable-pip-version-check "milvus==${MILVUS_PACKAGE_VERSION}"
}

start() {
  local port="$1" data_dir="$2"
  [[ "${port}" =~ ^[0-9]+$ ]] || die "port must be a number, got '${port}'"
  install
  mkdir -p "${data_dir}"
  data_dir="$(cd "${data_dir}" && pwd)"
  local log="${data_dir}/milvus-server.log" pidfile="${data_dir}/milvus-server.pid"
  if [[ -f "${pidfile}" ]] && kill -0 "$(cat "${pidfile}")" 2>/dev/null; then
    die "a server already runs for ${data_dir} (pid $(cat "${pidfile}"))"
  fi
  # Own session, so stop can end the launcher and the milvus binary it spawns as one group.
  # The launcher probes each port with a plain bind and silently takes the next free one when it
  # fails; right after a stop the proxy port is still in TIME_WAIT, so a restart would move to another
  # port. Probing with SO_REUSEADDR (as Milvus itself binds) keeps the port a restart asks for.
  PYTHONUNBUFFERED=1 setsid "${VENV}/bin/python" -c "${LAUNCHER}" --data "${data_dir}/milvus" --proxy-port "${port}" \
    --etcd-port "$((port + 1))" --extra-config "proxy.timeTickInterval=${MILVUS_TIME_TICK_MS:-20}" \
    >"${log}" 2>&1 < /dev/null &
  echo $! >"${pidfile}"
  local deadline=$((SECONDS + ${MILVUS_START_TIMEOUT_S:-180}))
  until grep -q "${READY_LINE}" "${log}" 2>/dev/null; do
    if ! kill -0 "$(cat "${pidfile}")" 2>/dev/null; then
      echo "milvus exited during start-up; log tail:" >&2; tail -n 40 "${log}" >&2
      tail -n 20 "${data_dir}/milvus/logs/milvus-stderr.log" >&2 2>/dev/null || true
      exit 1
    fi
    if (( SECONDS > deadline )); then
      echo "milvus not ready after ${MILVUS_START_TIMEOUT_S:-180}s (ports taken by another server?); log tail:" >&2
      tail -n 40 "${log}" >&2; tail -n 20 "${data_dir}/milvus/logs/milvus-stderr.log" >&2 2>/dev/null || true
      stop "${data_dir}"; exit 1
    fi
    sleep 1
  done
  local config="${data_dir}/milvus/configs/milvus.yaml"
  if ! awk '/^proxy:/{p=1} p && /^  port:/{print $2; exit}' "${config}" | grep -qx "${port}"; then
    stop "${data_dir}"; die "milvus did not take port ${port} (see ${config}); is another server using it?"
  fi
  echo "milvus ${MILVUS_PACKAGE_VERSION} serving on 127.0.0.1:${port} (data ${data_dir}, pid $(cat "${pidfile}"))"
}

stop() {
  local data_dir="$1" pidfile="$1/milvus-server.pid"
  [[ -f "${pidfile}" ]] || return 0
  local pid; pid="$(cat "${pidfile}")"
  if kill -0 "${pid}" 2>/dev/null; then
    kill -INT "${pid}" 2>/dev/null || true   # the launcher stops its milvus child on SIGINT
    for _ in $(seq 1 20); do kill -0 -- "-${pid}" 2>/dev/null || break; sleep 0.5; done
    kill -TERM -- "-${pid}" 2>/dev/null || true
    sleep 1
    kill -KILL -- "-${pid}" 2>/dev/null || true
  fi
  rm -f "${pidfile}"
}

case "${1:-}" in
  install) install ;;
  start) [[ $# -eq 3 ]] || die "usage: $0 start PORT DATA_DIR"; start "$2" "$3" ;;
  stop) [[ $# -eq 2 ]] || die "usage: $0 stop DATA_DIR"; stop "$2" ;;
  *) die "usage: $0 install | start PORT DATA_DIR | stop DATA_DIR" ;;
esac

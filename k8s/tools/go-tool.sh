#!/usr/bin/env bash
# Prints the path of a pinned Go tool, installing it first into the git-ignored .tools/ of the
# repository with `go install` (from the Go module proxy) when it is not there yet:
#
#   k8s/tools/go-tool.sh kustomize    # sigs.k8s.io/kustomize/kustomize/v5, KUSTOMIZE_VERSION
#   k8s/tools/go-tool.sh promtool     # Debian's prometheus package unpacked, else
#                                     # github.com/prometheus/prometheus/cmd/promtool, PROMTOOL_VERSION
#
# Exits 3 with a reason on stderr when there is no Go toolchain or the install fails; callers
# (the k8s tests) then fall back or skip and say so. The binary of each version lives in its own
# folder, so a version bump here installs the new one instead of reusing the old.
set -euo pipefail

# Pinned versions. kustomize v5.8.1 needs Go 1.24+; promtool v0.316.0 is Prometheus 3.16 and
# needs Go 1.26+ (a newer Go on the PATH is fine, GOTOOLCHAIN=local never downloads one).
KUSTOMIZE_VERSION=${KUSTOMIZE_VERSION:-v5.8.1}
PROMTOOL_VERSION=${PROMTOOL_VERSION:-v0.316.0}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tool=${1:?usage: go-tool.sh kustomize|promtool}
case "$tool" in
  kustomize) module=sigs.k8s.io/kustomize/kustomize/v5; version=$KUSTOMIZE_VERSION ;;
  promtool) module=github.com/prometheus/prometheus/cmd/promtool; version=$PROMTOOL_VERSION ;;
  *) echo "unknown tool $tool" >&2; exit 2 ;;
esac

bin_dir="$root/.tools/$tool/$version"
if [ -x "$bin_dir/$tool" ]; then
  echo "$bin_dir/$tool"
  exit 0
fi

# promtool: Debian's prometheus package carries one (2.42, enough for `promtool test rules`); unpacking it takes
# seconds where building Prometheus with `go install` takes 8-20 minutes on a 2-core machine. Nothing is installed
# system-wide: the package is only downloaded and unpacked under .tools/.
if [ "$tool" = promtool ] && command -v apt-get >/dev/null && command -v dpkg >/dev/null; then
  debian_dir="$root/.tools/promtool/debian"
  if [ ! -x "$debian_dir/usr/bin/promtool" ]; then
    mkdir -p "$debian_dir"
    exec 8>"$debian_dir/.lock"
    flock 8
    if [ ! -x "$debian_dir/usr/bin/promtool" ]; then
      (cd "$debian_dir" && apt-get download -qq prometheus >/dev/null 2>&1 && dpkg -x prometheus_*.deb . \
        && rm -f prometheus_*.deb) || true
    fi
  fi
  if [ -x "$debian_dir/usr/bin/promtool" ] && "$debian_dir/usr/bin/promtool" --version >/dev/null 2>&1; then
    echo "$debian_dir/usr/bin/promtool"
    exit 0
  fi
  echo "Debian's prometheus package could not be unpacked; building promtool with go install" >&2
fi

go_binary=$(command -v go || true)
if [ -z "$go_binary" ] && [ -x /usr/local/go/bin/go ]; then
  go_binary=/usr/local/go/bin/go
fi
if [ -z "$go_binary" ]; then
  echo "no Go toolchain (go on the PATH or /usr/local/go/bin/go): cannot install $tool $version" >&2
  exit 3
fi

mkdir -p "$bin_dir"
log="$bin_dir/install.log"
echo "installing $module@$version into $bin_dir (log: $log)" >&2
# One install at a time: parallel test JVMs or worktrees sharing this folder must not race.
exec 9>"$bin_dir/.lock"
flock 9
if [ ! -x "$bin_dir/$tool" ]; then
  if ! GOTOOLCHAIN=local GOFLAGS=-mod=mod GOBIN="$bin_dir" nice "$go_binary" install "$module@$version" >"$log" 2>&1; then
    echo "go install $module@$version failed:" >&2
    tail -20 "$log" >&2
    exit 3
  fi
fi
echo "$bin_dir/$tool"

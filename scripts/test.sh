#!/usr/bin/env bash
# The whole test suite: the wild-set generator's tests, then every module built and every test run, with the
# real Kafka broker, schema registry and Milvus server that the build itself installs and starts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/jdk.sh

# The review console's end-to-end test drives headless Chromium (Debian's chromium and
# chromium-driver). Install them where they are missing and apt-get can; without them that one
# test says it is skipped.
if { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; } && command -v apt-get >/dev/null 2>&1; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    sudo_cmd="sudo -n"
  fi
  echo "test.sh: installing chromium and chromium-driver for the review console's browser test" >&2
  if ! { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium chromium-driver; } >&2; then
    echo "test.sh: could not install chromium; the browser test will be skipped" >&2
  fi
fi

# The wild-set generator (Python, tools/wild-eval) is a measuring instrument: its own tests run first.
tools/wild-eval/run-tests.sh

exec mvn -B install "$@"

#!/usr/bin/env bash
# The whole test suite: builds every module and runs every test, with the real Kafka broker,
# schema registry and Milvus server that the build itself installs and starts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/jdk.sh
exec mvn -B install "$@"

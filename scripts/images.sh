#!/usr/bin/env bash
# Builds, smoke-tests and pushes Doppel's container images (deploy/*.Dockerfile) with one tag.
#
#   scripts/images.sh build  [--version V] [--registry R] [--only "matcher review-console"]
#   scripts/images.sh smoke  [--version V] [--registry R] [--only ...]   # each image starts as it runs in k8s
#   scripts/images.sh push   [--version V] [--registry R] [--only ...]
#   scripts/images.sh pins   [--version V] [--registry R]                # the kustomize lines for the release
#   DRY_RUN=1 scripts/images.sh build ...                                  # print the docker commands only
#
# The version defaults to the project version in pom.xml (0.1.0-SNAPSHOT builds tag
# "0.1.0-SNAPSHOT"); releases pass the release version (deploy/README.md, "Images and releases").
# Needs a Docker engine with BuildKit (docker build --help lists --build-context or buildx is the
# default builder). Runs from any directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

IMAGES=(extractor matcher reindex review-console)
command=${1:-help}
shift || true
version=""
registry=${DOPPEL_IMAGE_REGISTRY:-ghcr.io/doppel-project}
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=$2; shift 2 ;;
    --registry) registry=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$version" ]; then
  version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -n 1)
fi
selected=("${IMAGES[@]}")
if [ -n "$only" ]; then
  read -r -a selected <<<"$only"
fi

run() {
  echo "+ $*" >&2
  if [ "${DRY_RUN:-0}" != 1 ]; then
    "$@"
  fi
}

image() { echo "$registry/doppel-$1:$version"; }

build() {
  local revision
  revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
  for name in "${selected[@]}"; do
    run docker build -f "deploy/$name.Dockerfile" -t "$(image "$name")" \
      --label "org.opencontainers.image.version=$version" \
      --label "org.opencontainers.image.revision=$revision" \
      --label "org.opencontainers.image.source=https://github.com/doppel-project/doppel" .
  done
}

# Runs each image the way Kubernetes does (read-only root, user 10001, writable /tmp with exec,
# the state dir on tmpfs), with dependencies that do not answer, and waits for its HEALTHCHECK
# (liveness: the JVM, the classpath, the native libraries and the ops server all started).
smoke() {
  local failed=0
  for name in "${selected[@]}"; do
    if [ "$name" = reindex ]; then
      echo "smoke: $(image reindex): \`help\` lists the reindex command" >&2
      if [ "${DRY_RUN:-0}" = 1 ]; then
        run docker run --rm --read-only --tmpfs /tmp:exec "$(image reindex)" help
      elif ! docker run --rm --read-only --tmpfs /tmp:exec "$(image reindex)" help | grep -q '^ *reindex '; then
        echo "smoke: FAILED $(image reindex)" >&2
        failed=1
      fi
      continue
    fi
    local container="doppel-smoke-$name-$$"
    local env=(-e DOPPEL_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9 -e DOPPEL_SCHEMA_REGISTRY_URL=http://127.0.0.1:9/apis/ccompat/v7
               -e DOPPEL_MODEL_ID=doppel-copy -e DOPPEL_MODEL_VERSION=2 -e DOPPEL_MODEL_DIMENSION=256)
    case "$name" in
      extractor) env+=(-e DOPPEL_EXTRACTOR_APPLICATION_ID=doppel-extractor -e DOPPEL_EXTRACTOR_DATA_DIR=/var/lib/doppel/state
                       -e DOPPEL_EXTRACTOR_MODEL_DEVICE=cpu) ;;
      matcher) env+=(-e DOPPEL_MATCHER_APPLICATION_ID=doppel-matcher -e DOPPEL_MATCHER_DATA_DIR=/var/lib/doppel/state
                     -e DOPPEL_MATCHER_INDEX=lucene) ;;
      review-console) env+=(-e DOPPEL_REVIEW_TRUSTED_PROXIES=127.0.0.1/32 -e DOPPEL_REVIEW_ROLES=smoke=*:reviewer) ;;
    esac
    run docker run -d --name "$container" --read-only --user 10001:10001 --cap-drop ALL \
      --security-opt no-new-privileges:true --tmpfs /tmp:size=1g,exec,mode=1777 \
      --tmpfs /var/lib/doppel/state:size=1g,uid=10001,gid=10001 "${env[@]}" "$(image "$name")" >/dev/null
    if [ "${DRY_RUN:-0}" = 1 ]; then
      continue
    fi
    local status=starting
    for _ in $(seq 1 60); do
      status=$(docker inspect --format '{{.State.Health.Status}}' "$container" 2>/dev/null || echo gone)
      [ "$status" = starting ] || break
      sleep 5
    done
    echo "smoke: $(image "$name"): $status" >&2
    if [ "$status" != healthy ]; then
      docker logs --tail 50 "$container" >&2 || true
      failed=1
    fi
    docker rm -f "$container" >/dev/null
  done
  if [ "${DRY_RUN:-0}" = 1 ]; then echo "smoke: dry run, nothing started" >&2; elif [ "$failed" = 0 ]; then echo "smoke: every image started healthy" >&2; fi
  return "$failed"
}

push() {
  for name in "${selected[@]}"; do
    run docker push "$(image "$name")"
  done
}

# The lines that pin the production overlay to this release by digest (run after push).
pins() {
  echo "cd k8s/overlays/production/app"
  for name in extractor matcher review-console; do
    local digest="<digest after push>"
    if [ "${DRY_RUN:-0}" != 1 ] && command -v docker >/dev/null && docker image inspect "$(image "$name")" >/dev/null 2>&1; then
      digest=$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$(image "$name")" \
        | sed -n 's/.*@//p' | head -n 1)
    fi
    echo "kustomize edit set image $registry/doppel-$name=$registry/doppel-$name:$version@${digest:-<digest after push>}"
  done
  echo "# and the re-index job's image in k8s/jobs/reindex/job.yaml: $(image reindex)"
}

case "$command" in
  build) build ;;
  smoke) smoke ;;
  push) push ;;
  pins) pins ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac

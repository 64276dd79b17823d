#!/bin/sh
# skaffold's custom builder (skaffold.yaml): build one target of the
# Dockerfile as the image skaffold names ($IMAGE), for the CPUs it asks for
# ($PLATFORMS), and push it when it asks ($PUSH_IMAGE). skaffold then reads
# the pushed digest (or the local image id) itself.
#
#   scripts/build-image.sh <target>      (run by skaffold, in the repository root)
set -eu
target=$1
: "${IMAGE:?skaffold sets IMAGE}" "${PUSH_IMAGE:=false}" "${PLATFORMS:=}" "${BUILD_CONTEXT:=.}"

# The label keeps an image skaffold builds apart from the one `make images`
# or `make e2e` builds from the same sources: Kubernetes 1.35+ remembers under
# which names it pulled an image, and then refuses that very image under a
# name that was loaded into the node instead.
set -- --target "$target" --tag "$IMAGE" --label "dev.grpc-demo.built-by=skaffold"

case "$PLATFORMS" in
  *,*)
    # Several CPUs make one multi-platform image, which only a registry holds:
    # buildx builds each (the foreign one under emulation) and pushes the list.
    if [ "$PUSH_IMAGE" != true ]; then
      echo "build-image.sh: a build for $PLATFORMS needs a registry to push to (SKAFFOLD_DEFAULT_REPO)" >&2
      exit 1
    fi
    exec docker buildx build --platform "$PLATFORMS" --push "$@" "$BUILD_CONTEXT"
    ;;
esac

DOCKER_BUILDKIT=1 docker build ${PLATFORMS:+--platform "$PLATFORMS"} "$@" "$BUILD_CONTEXT"
if [ "$PUSH_IMAGE" = true ]; then docker push --quiet "$IMAGE"; fi

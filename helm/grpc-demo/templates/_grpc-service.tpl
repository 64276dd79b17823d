{{/*
One of the three gRPC services: its Deployment, the headless Service that
clients resolve to every pod, and a PodDisruptionBudget. Each service's own
template (user.yaml, recommendation.yaml, aggregator.yaml) calls this with
its name, its values and its own environment variables:

  include "grpc-demo.grpcService" (dict "root" $ "name" "user" "values" .Values.user "env" $env)
*/}}
{{- define "grpc-demo.grpcService" -}}
{{- $root := .root -}}
{{- $values := .values -}}
{{- $component := dict "name" .name "root" $root -}}
{{- $shutdown := $root.Values.shutdown -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  labels:
    {{- include "grpc-demo.labels" $root | nindent 4 }}
    {{- include "grpc-demo.selectorLabels" $component | nindent 4 }}
    app.kubernetes.io/component: grpc-service
spec:
  replicas: {{ $values.replicas }}
  revisionHistoryLimit: 3
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # A new pod is up and ready before an old one goes: capacity never dips.
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "grpc-demo.selectorLabels" $component | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "grpc-demo.labels" $root | nindent 8 }}
        {{- include "grpc-demo.selectorLabels" $component | nindent 8 }}
        app.kubernetes.io/component: grpc-service
    spec:
      # The services never call the Kubernetes API.
      automountServiceAccountToken: false
      # No FOO_SERVICE_HOST variables: the services find each other by DNS.
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ add $shutdown.preStopSeconds $shutdown.graceSeconds 10 }}
      securityContext:
        {{- include "grpc-demo.podSecurityContext" (dict "uid" 1000) | nindent 8 }}
      topologySpreadConstraints:
        {{- include "grpc-demo.topologySpread" $component | nindent 8 }}
      containers:
        - name: {{ .name }}
          image: {{ include "grpc-demo.image" (dict "image" $values.image "root" $root) | quote }}
          imagePullPolicy: {{ $root.Values.imagePullPolicy }}
          ports:
            - name: grpc
              containerPort: {{ $root.Values.ports.grpc }}
            - name: metrics
              containerPort: {{ $root.Values.ports.metrics }}
          env:
            # First, so that later values can refer to them as $(POD_NAME) and $(POD_NAMESPACE).
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: GRPC_HOST
              value: 0.0.0.0
            - name: GRPC_PORT
              value: {{ $root.Values.ports.grpc | quote }}
            - name: METRICS_HOST
              value: 0.0.0.0
            - name: METRICS_PORT
              value: {{ $root.Values.ports.metrics | quote }}
            - name: LOG_LEVEL
              value: {{ $root.Values.logLevel | quote }}
            # The preStop pause already keeps the pod serving while endpoints update.
            - name: SHUTDOWN_DELAY_MS
              value: "0"
            - name: SHUTDOWN_GRACE_MS
              value: {{ mul $shutdown.graceSeconds 1000 | quote }}
            {{- if $root.Values.jaeger.enabled }}
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: http://jaeger:4317
            - name: OTEL_TRACES_SAMPLER
              value: parentbased_traceidratio
            - name: OTEL_TRACES_SAMPLER_ARG
              value: {{ $root.Values.tracing.samplingRatio | quote }}
            - name: OTEL_RESOURCE_ATTRIBUTES
              value: k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE)
            {{- else }}
            - name: OTEL_SDK_DISABLED
              value: "true"
            {{- end }}
            {{- .env | nindent 12 }}
          # Native gRPC probes call grpc.health.v1 Check for the whole server
          # (''), which reports SERVING only once the service is ready (the
          # user store reachable, the recommendation fault adopted from peers).
          startupProbe:
            grpc:
              port: {{ $root.Values.ports.grpc }}
            periodSeconds: 1
            failureThreshold: 30
          readinessProbe:
            grpc:
              port: {{ $root.Values.ports.grpc }}
            periodSeconds: 5
            failureThreshold: 2
          # The same check, far more patient: health also turns NOT_SERVING
          # while a dependency is down (readiness), which a restart would not
          # cure; only a minute of it restarts the container.
          livenessProbe:
            grpc:
              port: {{ $root.Values.ports.grpc }}
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 6
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $shutdown.preStopSeconds }}
          resources:
            {{- toYaml $values.resources | nindent 12 }}
          securityContext:
            {{- include "grpc-demo.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            # The root filesystem is read-only; a small scratch /tmp for anything that insists.
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 16Mi
---
# Headless: DNS answers with every ready pod's address, so gRPC clients
# (dns:/// with round_robin) balance per call rather than per connection.
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}-headless
  labels:
    {{- include "grpc-demo.labels" $root | nindent 4 }}
    {{- include "grpc-demo.selectorLabels" $component | nindent 4 }}
    app.kubernetes.io/component: grpc-service
spec:
  clusterIP: None
  selector:
    {{- include "grpc-demo.selectorLabels" $component | nindent 4 }}
  ports:
    - name: grpc
      port: {{ $root.Values.ports.grpc }}
      targetPort: grpc
      appProtocol: kubernetes.io/h2c
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ .name }}
  labels:
    {{- include "grpc-demo.labels" $root | nindent 4 }}
    {{- include "grpc-demo.selectorLabels" $component | nindent 4 }}
spec:
  # A node drain takes one pod at a time; the others keep serving.
  maxUnavailable: 1
  selector:
    matchLabels:
      {{- include "grpc-demo.selectorLabels" $component | nindent 6 }}
{{- end }}

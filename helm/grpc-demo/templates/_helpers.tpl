{{/*
Labels on every object. Selectors use only grpc-demo.selectorLabels, which
never change after install (a Deployment's selector is immutable).
*/}}
{{- define "grpc-demo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/part-of: grpc-demo
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{/* The labels that pick one component's pods. Call with (dict "name" "user" "root" $). */}}
{{- define "grpc-demo.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{/* The Secret that holds JWT_SECRET. */}}
{{- define "grpc-demo.jwtSecretName" -}}
{{ .Values.jwt.existingSecret | default "grpc-demo-jwt" }}
{{- end }}

{{/*
The dns:/// target of a headless Service: the resolver returns every ready
pod's address, and round_robin spreads calls over them. The namespace comes
from the downward API (POD_NAMESPACE), so the rendered manifests work in any
namespace. Call with (dict "service" "user-headless" "root" $).
*/}}
{{- define "grpc-demo.dnsTarget" -}}
dns:///{{ .service }}.$(POD_NAMESPACE).svc.{{ .root.Values.clusterDomain }}:{{ .root.Values.ports.grpc }}
{{- end }}

{{/*
Pod securityContext for an image that runs as `uid`: never root, the
runtime's default seccomp filter. Call with (dict "uid" 1000).
*/}}
{{- define "grpc-demo.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container securityContext: no privilege escalation, no capabilities, a read-only root filesystem. */}}
{{- define "grpc-demo.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
{{- end }}

{{/*
Spread a component's pods over nodes, and over zones where there are zones.
ScheduleAnyway: a one-node kind or minikube cluster still runs every replica.
matchLabelKeys counts only the pods of the same rollout.
*/}}
{{- define "grpc-demo.topologySpread" -}}
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "grpc-demo.selectorLabels" . | nindent 6 }}
  matchLabelKeys:
    - pod-template-hash
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "grpc-demo.selectorLabels" . | nindent 6 }}
  matchLabelKeys:
    - pod-template-hash
{{- end }}

{{/* An image reference from {repository, tag, digest}; an empty tag means the chart's appVersion, and a digest pins exactly that image. */}}
{{- define "grpc-demo.image" -}}
{{ .image.repository }}:{{ .image.tag | default .root.Chart.AppVersion }}{{ with .image.digest }}@{{ . }}{{ end }}
{{- end }}

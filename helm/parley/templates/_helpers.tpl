{{/* Labels every object carries. */}}
{{- define "parley.labels" -}}
app.kubernetes.io/part-of: parley
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* Selector of one app's pods: (dict "root" $ "app" "router"). */}}
{{- define "parley.selector" -}}
app.kubernetes.io/name: {{ .app }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{- define "parley.fullname" -}}
{{ .root.Release.Name }}-{{ .app }}
{{- end }}

{{/* Name of release-wide objects: the release name, with "-parley" unless it says parley already. */}}
{{- define "parley.releaseName" -}}
{{- if contains "parley" .Release.Name }}{{ .Release.Name }}{{ else }}{{ printf "%s-parley" .Release.Name }}{{ end }}
{{- end }}

{{- define "parley.serviceAccountName" -}}
{{ .Values.serviceAccount.name | default (include "parley.releaseName" .) }}
{{- end }}

{{- define "parley.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* Pod-level security: a numeric non-root user and group, the runtime's seccomp profile. */}}
{{- define "parley.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.fsGroup }}
seccompProfile: { type: RuntimeDefault }
{{- end }}

{{- define "parley.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: { drop: [ALL] }
{{- end }}

{{/* Environment every app shares. (dict "root" $ "app" "router" "postgres" true) */}}
{{- define "parley.commonEnv" -}}
{{- $v := .root.Values -}}
- name: REDIS_URL
  valueFrom: { secretKeyRef: { name: {{ $v.redis.existingSecret }}, key: {{ $v.redis.urlKey }} } }
{{- if .postgres }}
- name: DATABASE_URL
  valueFrom: { secretKeyRef: { name: {{ $v.postgresql.existingSecret }}, key: {{ $v.postgresql.urlKey }} } }
- name: PARLEY_MIGRATE_ON_START
  value: {{ (not $v.migrations.enabled) | quote }}
{{- end }}
- name: PARLEY_KEY_PREFIX
  value: {{ $v.keyPrefix | quote }}
- name: PARLEY_EVENT_PARTITIONS
  value: {{ $v.eventPartitions | quote }}
- name: LOG_LEVEL
  value: {{ $v.logLevel | quote }}
- name: PORT
  value: "3000"
- name: POD_NAME
  valueFrom: { fieldRef: { fieldPath: metadata.name } }
- name: POD_NAMESPACE
  valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
{{- include "parley.otelEnv" .root }}
{{- end }}

{{- define "parley.otelEnv" -}}
{{- with .Values.otel }}
{{- if .endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .endpoint | quote }}
{{- end }}
{{- if .sampler }}
- name: OTEL_TRACES_SAMPLER
  value: {{ .sampler | quote }}
{{- end }}
{{- if .samplerArg }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ .samplerArg | quote }}
{{- end }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ printf "k8s.namespace.name=$(POD_NAMESPACE),k8s.pod.name=$(POD_NAME)%s" (ternary (printf ",%s" .resourceAttributes) "" (ne .resourceAttributes "")) | quote }}
{{- end }}
{{- end }}

{{/* An app's own settings as env entries, from a map of names to values. */}}
{{- define "parley.extraEnv" -}}
{{- $list := list -}}
{{- range $name, $value := . }}{{ $list = append $list (dict "name" $name "value" ($value | toString)) }}{{ end -}}
{{- if $list }}{{ toYaml $list }}{{ end -}}
{{- end }}

{{/* The container's port, probes, /tmp and security: the same for every app. */}}
{{- define "parley.containerCommon" -}}
image: {{ include "parley.image" .root | quote }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
args: [{{ printf "dist/apps/%s/src/main.js" .app | quote }}]
ports:
  - { name: http, containerPort: 3000, protocol: TCP }
startupProbe:
  httpGet: { path: /healthz, port: http }
  periodSeconds: 2
  failureThreshold: 30
livenessProbe:
  httpGet: { path: /healthz, port: http }
  periodSeconds: 10
  timeoutSeconds: 3
readinessProbe:
  httpGet: { path: /readyz, port: http }
  periodSeconds: 5
  timeoutSeconds: 3
securityContext: {{- include "parley.containerSecurityContext" .root | nindent 2 }}
volumeMounts:
  - { name: tmp, mountPath: /tmp }
{{- end }}

{{/* Pod spec fields outside the container: service account, security, /tmp volume. */}}
{{- define "parley.podCommon" -}}
serviceAccountName: {{ include "parley.serviceAccountName" . }}
automountServiceAccountToken: false
securityContext: {{- include "parley.podSecurityContext" . | nindent 2 }}
{{- with .Values.image.pullSecrets }}
imagePullSecrets: {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir: { sizeLimit: 64Mi }
{{- end }}

{{/* Pod template annotations: a values change that touches the pods restarts them. */}}
{{- define "parley.podAnnotations" -}}
prometheus.io/scrape: "true"
prometheus.io/port: "3000"
prometheus.io/path: /metrics
{{- end }}

{{/*
Twitch over EventSub: the conduit's shard count, which the ingest pods and the shard manager
must agree on. TWITCH_CONDUIT_SHARDS when set, else four per ingest replica (ADR 0014); the
pods PATCH the conduit to it, so scaling the replicas resizes it. Empty for IRC.
*/}}
{{- define "parley.twitchConduitShards" -}}
{{- with .Values.ingest.twitch }}
{{- if eq (toString (dig "TWITCH_TRANSPORT" "" (.env | default dict))) "eventsub" }}
{{- dig "TWITCH_CONDUIT_SHARDS" (mul (.replicas | default 1) 4) (.env | default dict) | toString }}
{{- end }}
{{- end }}
{{- end }}

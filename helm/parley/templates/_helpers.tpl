{{- define "parley.labels" -}}
app.kubernetes.io/part-of: parley
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{- define "parley.commonEnv" -}}
- name: REDIS_URL
  valueFrom: { secretKeyRef: { name: {{ .Values.connectionSecret }}, key: redis-url } }
- name: PARLEY_KEY_PREFIX
  value: {{ .Values.keyPrefix | quote }}
- name: PARLEY_EVENT_PARTITIONS
  value: {{ .Values.eventPartitions | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: PORT
  value: "3000"
{{- if .Values.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .Values.otlpEndpoint | quote }}
{{- end }}
{{- end }}

{{- define "parley.probes" -}}
ports:
  - { name: http, containerPort: 3000 }
livenessProbe:
  httpGet: { path: /healthz, port: http }
readinessProbe:
  httpGet: { path: /readyz, port: http }
  periodSeconds: 5
{{- end }}

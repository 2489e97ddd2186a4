{{/*
One Parley app: Deployment, Service (metrics, and the API for the hub), PodDisruptionBudget,
optional HorizontalPodAutoscaler and its NetworkPolicy. Every app goes through here, so
they all get the same probes, security contexts, /tmp and labels.

(dict "root" $ "app" "router" "spec" .Values.router "postgres" true
      "env" (list ...) "egress" (list ...) "ingressFrom" (list ...) "servicePort" 80)
*/}}
{{- define "parley.app" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $name := include "parley.fullname" . -}}
{{- $autoscaling := .spec.autoscaling | default dict -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels: {{- include "parley.labels" $root | nindent 4 }}
    app.kubernetes.io/name: {{ .app }}
spec:
  {{- if not $autoscaling.enabled }}
  replicas: {{ .spec.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels: {{- include "parley.selector" . | nindent 6 }}
  template:
    metadata:
      labels: {{- include "parley.labels" $root | nindent 8 }}
        app.kubernetes.io/name: {{ .app }}
      annotations: {{- include "parley.podAnnotations" $root | nindent 8 }}
    spec:
      {{- include "parley.podCommon" $root | nindent 6 }}
      # Apps drain on SIGTERM (ingest pods hand their channels over first).
      terminationGracePeriodSeconds: 30
      containers:
        - name: {{ .app }}
          {{- include "parley.containerCommon" . | nindent 10 }}
          env:
            {{- include "parley.commonEnv" . | nindent 12 }}
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with include "parley.extraEnv" (.spec.env | default dict) }}
            {{- . | nindent 12 }}
            {{- end }}
          resources: {{- toYaml .spec.resources | nindent 12 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels: {{- include "parley.labels" $root | nindent 4 }}
    app.kubernetes.io/name: {{ .app }}
spec:
  selector: {{- include "parley.selector" . | nindent 4 }}
  ports:
    - { name: http, port: {{ .servicePort | default 3000 }}, targetPort: http, protocol: TCP }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  labels: {{- include "parley.labels" $root | nindent 4 }}
    app.kubernetes.io/name: {{ .app }}
spec:
  # One pod at a time: a drain never takes a whole app down, and never blocks on a single replica.
  maxUnavailable: 1
  selector:
    matchLabels: {{- include "parley.selector" . | nindent 6 }}
{{- if $autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  labels: {{- include "parley.labels" $root | nindent 4 }}
    app.kubernetes.io/name: {{ .app }}
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: {{ $name }} }
  minReplicas: {{ $autoscaling.minReplicas }}
  maxReplicas: {{ $autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: { type: Utilization, averageUtilization: {{ $autoscaling.targetCPUUtilizationPercentage }} }
{{- end }}
{{- if $v.networkPolicy.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $name }}
  labels: {{- include "parley.labels" $root | nindent 4 }}
    app.kubernetes.io/name: {{ .app }}
spec:
  podSelector:
    matchLabels: {{- include "parley.selector" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    {{- with $v.networkPolicy.metricsFrom }}
    - from: {{- toYaml . | nindent 8 }}
      ports: [{ port: http, protocol: TCP }]
    {{- end }}
    {{- with .ingressFrom }}
    - from: {{- toYaml . | nindent 8 }}
      ports: [{ port: http, protocol: TCP }]
    {{- end }}
  egress:
    - to: {{- toYaml $v.networkPolicy.dnsPeers | nindent 8 }}
      ports: [{ port: 53, protocol: UDP }, { port: 53, protocol: TCP }]
    - to: {{- toYaml $v.redis.networkPeers | nindent 8 }}
      ports: [{ port: {{ $v.redis.port }}, protocol: TCP }]
    {{- if .postgres }}
    - to: {{- toYaml $v.postgresql.networkPeers | nindent 8 }}
      ports: [{ port: {{ $v.postgresql.port }}, protocol: TCP }]
    {{- end }}
    {{- if and $v.otel.endpoint $v.otel.networkPeers }}
    - to: {{- toYaml $v.otel.networkPeers | nindent 8 }}
      ports: [{ port: {{ $v.otel.port }}, protocol: TCP }]
    {{- end }}
    {{- with .egress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}
{{- end }}

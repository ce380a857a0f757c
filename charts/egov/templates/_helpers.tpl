{{/*
Names and labels, in the usual shape (egov.name, egov.fullname, egov.chart, egov.labels,
egov.selectorLabels), plus what the five services share.
*/}}

{{- define "egov.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's name, or release-chart when the release name does not contain the chart's. */}}
{{- define "egov.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "egov.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "egov.labels" -}}
helm.sh/chart: {{ include "egov.chart" . }}
{{ include "egov.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: egov
{{- end -}}

{{- define "egov.selectorLabels" -}}
app.kubernetes.io/name: {{ include "egov.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* A component's name: <fullname>-<component>. Call with (list $ "intake"). */}}
{{- define "egov.componentName" -}}
{{- printf "%s-%s" (include "egov.fullname" (index . 0)) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of a component's objects, and the selector of its pods. Call with (list $ "intake"). */}}
{{- define "egov.componentLabels" -}}
{{ include "egov.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "egov.componentSelectorLabels" -}}
{{ include "egov.selectorLabels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/*
The five services: their key under .Values.services, the name they run under (`egov serve
<name>`, the component label, the object names), the variable their listen address is read from,
whether they run cases (then they load procedure plugins, ProcedurePlugin resources among them,
and seal and open sealed slots with the sealing key: all but monitoring-bridge), whether they
hold a Kubernetes Lease (one active deadline scheduler, one active deliverer), and the local port
NOTES.txt port-forwards them to (the ports of `egov up`).
Use as: range $key, $meta := include "egov.services" . | fromYaml
*/}}
{{- define "egov.services" -}}
intake: {name: intake, addrVar: INTAKE_ADDR, cases: true, lease: false, localPort: 8081}
expertise: {name: expertise, addrVar: EXPERTISE_ADDR, cases: true, lease: true, localPort: 8082}
tender: {name: tender, addrVar: TENDER_ADDR, cases: true, lease: false, localPort: 8083}
catalog: {name: catalog, addrVar: CATALOG_ADDR, cases: true, lease: false, localPort: 8084}
monitoringBridge: {name: monitoring-bridge, addrVar: MONITORING_BRIDGE_ADDR, cases: false, lease: true, localPort: 8085}
{{- end -}}

{{/* The names of the enabled services, as a YAML list. */}}
{{- define "egov.enabledServices" -}}
{{- range $key, $meta := include "egov.services" . | fromYaml }}
{{- if (index $.Values.services $key).enabled }}
- {{ $meta.name }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
A service's settings: .Values.defaults with the service's own laid over them. Maps one level
deep (a key the service sets replaces the default's), tolerations replaced when the service has
any, extraEnv appended. Call with (list $ "intake"); returns YAML (fromYaml).
*/}}
{{- define "egov.serviceValues" -}}
{{- $ := index . 0 -}}
{{- $svc := index $.Values.services (index . 1) -}}
{{- $d := $.Values.defaults -}}
{{- $out := dict "enabled" $svc.enabled "replicaCount" $svc.replicaCount -}}
{{- range $k := list "resources" "env" "nodeSelector" "podAnnotations" "affinity" "autoscaling" "pdb" -}}
{{- $m := deepCopy (index $d $k | default dict) -}}
{{- range $kk, $v := (index $svc $k | default dict) }}{{ $_ := set $m $kk $v }}{{ end -}}
{{- $_ := set $out $k $m -}}
{{- end -}}
{{- $_ := set $out "tolerations" (default $d.tolerations $svc.tolerations) -}}
{{- $_ := set $out "extraEnv" (concat ($d.extraEnv | default list) ($svc.extraEnv | default list)) -}}
{{- toYaml $out -}}
{{- end -}}

{{- define "egov.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* The Secret and key REDIS_URL comes from, per redis.mode. */}}
{{- define "egov.redisUrlSecret" -}}
{{- if eq .Values.redis.mode "external" -}}
name: {{ required "redis.external.existingSecret is required with redis.mode=external: a Secret holding the Redis URL" .Values.redis.external.existingSecret }}
key: {{ .Values.redis.external.existingSecretKey }}
{{- else -}}
name: {{ include "egov.redisSecretName" . }}
key: redis-url
{{- end -}}
{{- end -}}

{{/* The bundled Redis's Secret: the user's, or the one the chart generates. */}}
{{- define "egov.redisSecretName" -}}
{{- .Values.redis.bundled.auth.existingSecret | default (include "egov.componentName" (list . "redis")) -}}
{{- end -}}

{{/* The pod securityContext every pod of the chart gets except Redis's (restricted profile). */}}
{{- define "egov.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "egov.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/*
Checks what no schema can: values that depend on each other. Included by the Deployments, so
that a render fails with one clear message.
*/}}
{{- define "egov.validate" -}}
{{- $jwks := .Values.auth.jwks -}}
{{- if not .Values.auth.issuer -}}
{{- fail "auth.issuer is required: the `iss` of the tokens your identity provider issues" -}}
{{- end -}}
{{- if and $jwks.existingSecret $jwks.url -}}
{{- fail "auth.jwks: set existingSecret or url, not both" -}}
{{- end -}}
{{- if not (or $jwks.existingSecret $jwks.url) -}}
{{- fail "auth.jwks: set existingSecret (a Secret with the JWKS document) or url (where to fetch it)" -}}
{{- end -}}
{{- if and .Values.calendar.data .Values.calendar.existingConfigMap -}}
{{- fail "calendar: set data or existingConfigMap, not both" -}}
{{- end -}}
{{- $casesRunning := list -}}
{{- range $key, $meta := include "egov.services" . | fromYaml -}}
{{- if and $meta.cases (index $.Values.services $key).enabled }}{{ $casesRunning = append $casesRunning $meta.name }}{{ end -}}
{{- end -}}
{{- if and $casesRunning (not .Values.sealing.existingSecret) -}}
{{- fail (printf "sealing.existingSecret is required when any of intake, expertise, tender, catalog is enabled (here: %s): a Secret with key sealing.key, 64 hex digits (kubectl create secret generic egov-sealing --from-literal=sealing.key=\"$(openssl rand -hex 32)\")" (join ", " $casesRunning)) -}}
{{- end -}}
{{- if .Values.services.monitoringBridge.enabled -}}
{{- $mb := .Values.monitoringBridge -}}
{{- if not (or $mb.exchange $mb.existingConfigMap) -}}
{{- fail "monitoringBridge.exchange or monitoringBridge.existingConfigMap is required when monitoring-bridge is enabled" -}}
{{- end -}}
{{- if and $mb.exchange $mb.existingConfigMap -}}
{{- fail "monitoringBridge: set exchange or existingConfigMap, not both" -}}
{{- end -}}
{{- if not $mb.signing.existingSecret -}}
{{- fail "monitoringBridge.signing.existingSecret is required when monitoring-bridge is enabled: a kubernetes.io/tls Secret (tls.key, tls.crt)" -}}
{{- end -}}
{{- if not $mb.trust.existingSecret -}}
{{- fail "monitoringBridge.trust.existingSecret is required when monitoring-bridge is enabled: a Secret with ca.crt" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.networkPolicy.enabled (eq .Values.redis.mode "external") (not .Values.networkPolicy.redis.cidrs) -}}
{{- fail "networkPolicy.redis.cidrs is required with redis.mode=external and networkPolicy.enabled: the addresses of your Redis (or set networkPolicy.enabled=false)" -}}
{{- end -}}
{{- end -}}

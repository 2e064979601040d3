{{/*
The components, as sandbox/layout lists them: name, HTTP port, and the
mail catcher's SMTP port. The deploy module's tests compare this table with
sandbox/layout, so that a port changed there cannot go unnoticed here.
*/}}
{{- define "pcs.components" -}}
proconnect: {port: 7100}
franceconnect: {port: 7101}
sirene: {port: 7102}
piste: {port: 7103}
portal: {port: 7104}
mailbox: {port: 7105, smtpPort: 7125}
apientreprise: {port: 7106}
{{- end -}}

{{/* The release's base name, short enough for "-franceconnect" and "-apientreprise" to fit a DNS label. */}}
{{- define "pcs.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "pcs.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: (dict "ctx" $ "name" NAME). */}}
{{- define "pcs.selector" -}}
app.kubernetes.io/name: {{ .ctx.Chart.Name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* The Service name of a component: (dict "ctx" $ "name" NAME). */}}
{{- define "pcs.svc" -}}
{{- printf "%s-%s" (include "pcs.fullname" .ctx) .name -}}
{{- end -}}

{{/* The ingress host of a component, or "" when it has none. */}}
{{- define "pcs.host" -}}
{{- $v := .ctx.Values.ingress -}}
{{- if $v.enabled -}}
{{- $h := index ($v.hosts | default dict) .name | default "" -}}
{{- if $h -}}{{ $h }}{{- else if $v.domain -}}{{ printf "%s.%s" .name $v.domain }}{{- end -}}
{{- end -}}
{{- end -}}

{{/* The public URL of a component: publicURLs, else its ingress host, else localhost. */}}
{{- define "pcs.publicURL" -}}
{{- $c := index (include "pcs.components" .ctx | fromYaml) .name -}}
{{- $given := index (.ctx.Values.publicURLs | default dict) .name | default "" -}}
{{- $host := include "pcs.host" . -}}
{{- if $given -}}
{{- $given | trimSuffix "/" -}}
{{- else if $host -}}
{{- printf "%s://%s" (ternary "https" "http" .ctx.Values.ingress.tls.enabled) $host -}}
{{- else -}}
{{- printf "http://localhost:%d" (int $c.port) -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the control token, and its key. */}}
{{- define "pcs.tokenSecret" -}}
{{- if .Values.controlToken.existingSecret -}}{{ .Values.controlToken.existingSecret }}{{- else -}}{{ include "pcs.fullname" . }}{{- end -}}
{{- end -}}
{{- define "pcs.tokenKey" -}}
{{- if .Values.controlToken.existingSecret -}}{{ .Values.controlToken.existingSecretKey }}{{- else -}}control-token{{- end -}}
{{- end -}}

{{/* Whether the core has a database, and where its URL is kept. */}}
{{- define "pcs.hasDatabase" -}}
{{- if or .Values.core.database.existingSecret .Values.core.database.url -}}true{{- end -}}
{{- end -}}
{{- define "pcs.databaseSecret" -}}
{{- if .Values.core.database.existingSecret -}}{{ .Values.core.database.existingSecret }}{{- else -}}{{ include "pcs.fullname" . }}{{- end -}}
{{- end -}}
{{- define "pcs.databaseKey" -}}
{{- if .Values.core.database.existingSecret -}}{{ .Values.core.database.existingSecretKey }}{{- else -}}database-url{{- end -}}
{{- end -}}

{{/*
The environment every component reads: each component's public and internal
URL (the core and the portal call their peers by the internal ones and
check the public issuers), where the core sends mail, the bind address and
the control token. Names are those of the binary's flags (--NAME-public-url
is PROCONNECT_SANDBOX_NAME_PUBLIC_URL); the deploy module's tests check each
against what `proconnect-sandbox serve NAME --help` lists.
*/}}
{{- define "pcs.env" -}}
- name: PROCONNECT_SANDBOX_BIND
  value: 0.0.0.0
- name: PROCONNECT_SANDBOX_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: PROCONNECT_SANDBOX_CONTROL_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "pcs.tokenSecret" . }}
      key: {{ include "pcs.tokenKey" . }}
{{- range $name, $c := include "pcs.components" . | fromYaml }}
{{- $upper := upper $name }}
- name: PROCONNECT_SANDBOX_{{ $upper }}_PUBLIC_URL
  value: {{ include "pcs.publicURL" (dict "ctx" $ "name" $name) | quote }}
- name: PROCONNECT_SANDBOX_{{ $upper }}_INTERNAL_URL
  value: {{ printf "http://%s:%d" (include "pcs.svc" (dict "ctx" $ "name" $name)) (int $c.port) | quote }}
{{- end }}
- name: PROCONNECT_SANDBOX_SMTP_ADDR
  value: {{ printf "%s:%d" (include "pcs.svc" (dict "ctx" . "name" "mailbox")) 7125 | quote }}
{{- end -}}

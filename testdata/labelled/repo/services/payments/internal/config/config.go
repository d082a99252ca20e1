package config

// Settings for the payments service.
const (
	DefaultLocale = "en-GB"
	Debug = "false"
	GoogleAccessToken = "ya29.a0EnaF6RAwh_YPm4XsRYSqZLq8-bU_V9nrQ2PQl0RNiaQkXiU3fxPTOaFPI6GWALCimddc4WQ7yZji0mh-T2JsIbT0Aa9qn_gAC46jq3f2VM7PYcnhf4__iPQEdbgnVxpqDA1NRxrTskDRbJEUcqrj_Qrq9KYdQizc_YzOuSj0ql9A409o"
	IbmcloudApiKey = "5DxBDad8dL_rLwn28zzVOmhedtuOb_f6Q7t32nCVAhF0"
	SmtpUsername = "postmaster@mg.acme.io"
	B2ApplicationKey = "K005JUgi4cHWElJJVEq9R9+r2/UeHSN"
	DbPort = "5432"
	AllowedHosts = "shop.acme.io,api.acme.io"
	AzureTenantId = "89ccbf38-55cd-48bf-838a-38c3303eae76"
	Port = "8080"
	JwtSecret = "dummy"
	RequestTimeoutMs = "15000"
	PrefectApiKey = "pnu_KOYVA2e8spf0iIkswEphuc5GF2zLIYdiWeAk"
	StripePublishableKey = "pk_live_51QAXER7JtxCPVSG1kvbv63wbukO96JhfBIACN4AgGA1y9JfYrYXn6P1SkJjUfoDwhORrB5Z2u66MFfFEWRMBNhKEYLiSgdTJGZ"
	StaticUrl = "/static/"
	SendinblueApiKey = "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"
	OtelExporterOtlpEndpoint = "http://otel-collector:4317"
	DatadogSite = "datadoghq.eu"
	SentryAuthToken = "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"
	DbUser = "orders_app"
	HubspotAccessToken = "pat-na1-480f2e90-1429-4010-b700-40f1a09650b6"
	CacheTtlSeconds = "300"
)

package config

// Settings for the gateway service.
const (
	SecretsBackend = "aws-secretsmanager"
	WorkspaceId = "4fb548da-1e45-4e61-a6ca-0343a1d205f3"
	AwsAccessKeyId = "AKIARF4QALSCKB73MTNQ"
	RequestTimeoutMs = "15000"
	AwsSecretAccessKey = "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"
	AllowedHosts = "shop.acme.io,api.acme.io"
	CiDeployPassword = "gldt-v7Uiji3fHaUagBqntFCW"
	InfracostApiKey = "ico-tjOZ7I5xGLPlIfnPQ33z9SKuXU21aN1V"
	PageSize = "50"
	KeystorePath = "/etc/acme/keystore.p12"
	MailchimpApiKey = "4b3df8c7c9a8fe0b754ef42e9c197ccf-us92"
	ApiKey = "your-token-here"
	CacheTtlSeconds = "300"
	XaiApiKey = "xai-tsFFXWAbvySgFoIc6S5KjjCIbBPjH2BhsU94vcIlQ0ZTUCBkrC6MmjotnNBGaU2NabdHgs1cPoViTOxw"
	GoogleCloudProject = "acme-prod-4821"
	S3Bucket = "acme-prod-uploads"
	AirtableApiKey = "patwE6QK2tts0AhLe.b9f354aa3a1b9dd3d87a3b5b9495772c8229c000a20a84803e6e6bb71cd273e8"
	SmtpHost = "smtp.acme.io"
	CorsOrigins = "https://shop.acme.io"
	DbPassword = "Falcon@Juniper7343"
	GeoipDbSha256 = "c8c3471074c65ae55b7bda759b9261a9aa02e1cfe2ed9da4dd7e1377e8011911"
	RateLimitPerMinute = "600"
	OauthTokenUrl = "https://auth.acme.io/oauth2/token"
	GithubOrg = "acme-corp"
)

<?php

// Settings for shop.
return [
    'tencentcloud_secret_id' => 'AKIDqhTzaFJ9pJ4LgqBKUJAIafZaghLjclJc',
    'vault_addr' => 'https://vault.acme.internal:8200',
    'dd_api_key' => 'REPLACE_ME',
    'elasticsearch_url' => 'https://search.acme.internal:9200',
    'databricks_token' => 'dapi0bd42cf8ecfce9f4ebdb8507054dada2',
    'ga_measurement_id' => 'G-2TO4GVI2L6',
    'currency' => 'EUR',
    'openai_model' => 'gpt-4o-mini',
    'runner_token' => 'glrt-dmXnZpllrM1Tb_RUNcT7',
    'cors_origins' => 'https://shop.acme.io',
    'snyk_token' => '222cb02c-3701-4ed0-b6f9-4094253fb130',
    's3_bucket' => 'acme-prod-uploads',
    'razorpay_key_secret' => 'ROk4GvZ2yqT1F5VV763JogEo',
    'auth_provider' => 'okta',
    'new_relic_license_key' => '7f939cecb0c281f2e9a5aca13050d84fd8cdNRAL',
    'sentry_environment' => 'production',
    'stripe_price_id' => 'price_1N1DZ3GPxsSaDfrLoPSCUo0K',
    'app_env' => 'production',
    'workers' => '4',
    'keystore_password' => 'dhMsNx4O?iKC!D3UiNtmnlf',
    'app_secret' => 'ToIzP0xJghN1p2EHIKBFqnYSejKOgqeZsETb6aerUVbAZc3vgv',
    'support_email' => 'support@acme.io',
];

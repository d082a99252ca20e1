"""The names of the built-in verifiers (AWS in code, the others declared in the rule files), for
checking rules at load without importing the verifiers (the registry imports boto3).
tests/verify keep this list equal to `registry.VERIFIERS`."""

from __future__ import annotations

VERIFIER_NAMES = frozenset({
    "airtable", "anthropic", "asana", "assemblyai", "aws", "brevo", "buildkite", "circleci", "clickup",
    "cloudflare", "cohere", "contentful", "datadog", "deepgram", "deepseek", "digitalocean", "discord", "doppler",
    "easypost", "elevenlabs", "fastly", "figma", "fireworks", "gitguardian", "github", "gitlab", "groq", "heroku",
    "hetzner", "hubspot", "huggingface", "intercom", "launchdarkly", "linode", "lob", "mailersend", "mailgun",
    "mapbox", "mistral", "netlify", "notion", "npm", "openai", "openrouter", "pagerduty", "paystack", "pinecone",
    "postman", "pulumi", "render", "replicate", "sendgrid", "shippo", "slack", "snyk", "sonarcloud", "square",
    "stripe", "telegram", "terraform-cloud", "travis-ci", "twilio", "typeform", "vercel", "vultr", "xai",
})

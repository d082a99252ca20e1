"""The names of the built-in verifiers (AWS in code, the others declared in the rule files), for
checking rules at load without importing the verifiers (the registry imports boto3).
tests/verify keep this list equal to `registry.VERIFIERS`."""

from __future__ import annotations

VERIFIER_NAMES = frozenset({
    "anthropic", "aws", "datadog", "digitalocean", "discord", "github", "gitlab", "groq", "heroku",
    "huggingface", "linode", "mailgun", "mistral", "netlify", "npm", "openai", "sendgrid", "slack", "square",
    "stripe", "telegram", "terraform-cloud", "twilio", "vercel",
})

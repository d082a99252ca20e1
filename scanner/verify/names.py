"""The names of the built-in verifiers (AWS in code, the others declared in the rule files), for
checking rules at load without importing the verifiers (the registry imports boto3).
tests/verify keep this list equal to `registry.VERIFIERS`."""

from __future__ import annotations

VERIFIER_NAMES = frozenset({
    "airtable", "anthropic", "apollo", "asana", "assemblyai", "aws", "bitrise", "brevo", "bugsnag", "buildkite",
    "bunny", "cerebras", "circleci", "clickup", "close", "cloudflare", "cloudsmith", "coda", "codacy", "codemagic",
    "cohere", "coinmarketcap", "contentful", "datadog", "datocms", "deepgram", "deepseek", "digitalocean",
    "discord", "doppler", "dropbox", "dropbox-sign", "easypost", "elevenlabs", "facebook", "fastly", "figma",
    "firecrawl", "firehydrant", "fireworks", "flutterwave", "front", "getresponse", "gitbook", "gitguardian",
    "github", "gitlab", "gocardless", "google-api-key", "groq", "gumroad", "healthchecks", "heroku", "hetzner",
    "hexpm", "hibp", "honeybadger", "hubspot", "huggingface", "hunterio", "imagekit", "incidentio", "instagram",
    "intercom", "klaviyo", "launchdarkly", "leonardo", "line", "linode", "lob", "loops", "mailerlite", "mailersend",
    "mailgun", "mailtrap", "mandrill", "mapbox", "mercury", "messagebird", "miro", "mistral", "mollie", "neon",
    "netlify", "neverbounce", "newsapi", "ngrok", "notion", "npm", "openai", "openrouter", "openweathermap",
    "opsgenie", "optimizely", "pagerduty", "pandadoc", "patreon", "paystack", "pexels", "pinecone", "postman",
    "printful", "pulumi", "pushbullet", "removebg", "render", "replicate", "resend", "riot-games", "scrapingbee",
    "semgrep", "sendgrid", "sentry", "serpapi", "shipengine", "shippo", "shodan", "shortcut", "slack", "snyk",
    "socket-dev", "sonarcloud", "square", "stability", "statuspage", "steam", "stripe", "supabase", "tailscale",
    "telegram", "telnyx", "terraform-cloud", "tmdb", "together", "toggl", "travis-ci", "twilio", "typeform",
    "unsplash", "uptimerobot", "urlscan", "vercel", "vimeo", "virustotal", "vultr", "webex", "webflow", "wise",
    "wistia", "xai", "zerobounce",
})

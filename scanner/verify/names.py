"""The names of the built-in verifiers (AWS in code, the others declared in the rule files), for
checking rules at load without importing the verifiers (the registry imports boto3).
tests/verify keep this list equal to `registry.VERIFIERS`."""

from __future__ import annotations

VERIFIER_NAMES = frozenset({
    "azure-storage", "gcp-service-account",
    "aftership", "airtable", "aiven", "anthropic", "apify", "apollo", "appveyor", "asana", "assemblyai", "astra-db",
    "aws", "baseten", "bitrise", "brevo", "browserbase", "bugsnag", "buildkite", "bunny", "buttercms", "calcom",
    "campaign-monitor", "cerebras", "circleci", "clickup", "close", "cloudflare", "cloudsmith", "cockroachdb",
    "coda", "codacy", "codefresh", "codemagic", "cohere", "coinmarketcap", "configcat", "contentful", "cronitor",
    "datadog", "datocms", "deepgram", "deepseek", "digitalocean", "discord", "doppler", "drip", "dropbox",
    "dropbox-sign", "duffel", "e2b", "easypost", "elevenlabs", "emailable", "exchangerate", "facebook", "fastly",
    "figma", "firecrawl", "firehydrant", "fireworks", "flagsmith", "flutterwave", "front", "getresponse", "giphy",
    "gitbook", "gitguardian", "github", "gitlab", "gocardless", "google-api-key", "google-oauth", "greynoise",
    "groq", "guardian", "gumroad", "healthchecks", "here", "heroku", "hetzner", "hex", "hexpm", "hibp", "hightouch",
    "honeybadger", "hubspot", "huggingface", "hunterio", "ibm-cloud", "imagekit", "imgix", "incidentio",
    "instagram", "intercom", "klaviyo", "launchdarkly", "leonardo", "line", "linear", "linode", "lob", "locationiq",
    "loops", "mailerlite", "mailersend", "mailgun", "mailtrap", "mandrill", "mapbox", "mercadopago", "mercury",
    "messagebird", "miro", "mistral", "mollie", "monday", "neon", "netlify", "neverbounce", "newsapi", "ngrok",
    "northflank", "notion", "npm", "nytimes", "openai", "opencage", "openexchangerates", "openrouter",
    "openweathermap", "opsgenie", "optimizely", "pagerduty", "pandadoc", "papertrail", "patreon", "paystack",
    "pexels", "pinecone", "pipedrive", "postman", "prefect", "printful", "pulumi", "pushbullet", "raygun",
    "removebg", "render", "replicate", "resend", "revai", "riot-games", "roboflow", "rollbar", "runpod", "scaleai",
    "scrapingbee", "securitytrails", "semgrep", "sendgrid", "sentry", "serpapi", "shipengine", "shippo", "shodan",
    "shortcut", "singlestore", "slack", "snyk", "socket-dev", "sonarcloud", "speechmatics", "square", "squarespace",
    "stability", "statuspage", "steam", "stripe", "supabase", "tailscale", "telegram", "telnyx", "terraform-cloud",
    "tmdb", "together", "toggl", "travis-ci", "twilio", "typeform", "unsplash", "uptimerobot", "urlscan", "vercel",
    "vimeo", "virustotal", "vultr", "weatherapi", "webex", "webflow", "wise", "wistia", "xai", "xendit",
    "zerobounce", "zerotier",
})

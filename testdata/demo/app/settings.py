"""Service settings."""
import os

DEBUG = False
DATABASE_URL = os.environ["DATABASE_URL"]

# TODO move to the secret manager
GITHUB_TOKEN = "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"
SMTP_PASSWORD = "Tr0ub4dor&3xK9q"

# documented example, not a real key
EXAMPLE_KEY = "AKIAIOSFODNN7EXAMPLE"

"""Log-in and API keys for the billing dashboard."""

import hmac
import secrets

import bcrypt
from flask import request

from billing import settings

PASSWORD_PATTERN = r"^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)(?=.*[^\w\s]).{12,}$"


def login() -> bool:
    password = request.form["password"]
    stored_hash = settings.ADMIN_PASSWORD_HASH
    return bcrypt.checkpw(password.encode(), stored_hash)


def new_api_key() -> str:
    api_key = secrets.token_urlsafe(32)
    return api_key


def verify(body: bytes, signature: str) -> bool:
    secret = settings.STRIPE_WEBHOOK_SECRET.encode()
    expected = hmac.new(secret, body, "sha256").hexdigest()
    return hmac.compare_digest(expected, signature)

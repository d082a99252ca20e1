"""Shared test fixtures. Area fixtures live in tests/fixtures/*.py and are registered here."""

pytest_plugins: list[str] = [
    "tests.fixtures.fake_http",  # provider-like local HTTP server
    "tests.fixtures.moto_server",  # AWS emulator on 127.0.0.1, signing enforced
]

"""The explicit registry of verifiers, by the name a rule's `verifier` field uses."""

from __future__ import annotations

from scanner.verify.aws import AWS
from scanner.verify.base import Verifier
from scanner.verify.github import GITHUB
from scanner.verify.gitlab import GITLAB
from scanner.verify.platforms import PLATFORMS
from scanner.verify.simple import PROVIDERS
from scanner.verify.slack import SLACK
from scanner.verify.stripe import STRIPE

VERIFIERS: dict[str, Verifier] = {v.name: v for v in (AWS, GITHUB, GITLAB, SLACK, STRIPE, *PROVIDERS, *PLATFORMS)}

"""Send digests over SMTP and fetch templates from the CMS."""

import smtplib

import requests


def send(msg) -> None:
    with smtplib.SMTP("smtp.acme.io", 587) as smtp:
        smtp.starttls()
        smtp.login("digest@acme.io", "C0Ol303xx~:A*.pig+")
        smtp.send_message(msg)


def template(name: str) -> str:
    r = requests.get(f"https://cms.acme.io/api/templates/{name}", auth=("notifier", "mOqnqk=bJX2V@@=JDO4p!#h"))
    r.raise_for_status()
    return r.text

"""Labelled precision/recall corpus: planted secrets and look-alikes in realistic files.

    python -m benchmarks.labelled            # rewrites testdata/labelled/ (repo/ and labels.json)
    python -m benchmarks.labelled --out DIR  # somewhere else (the test regenerates into a temp dir)

Deterministic: one seeded `random.Random` drives every choice, files are written in a fixed order,
so the same seed gives byte-identical output. Every planted secret is shaped like its provider's
published format (prefix, length, alphabet, checksum) and written the way its host file type holds
a value. `labels.json` (beside `repo/`, outside the scanned tree) lists each secret (path, line,
end_line, format, provider, family) and each look-alike (path, line, end_line, kind).
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import shutil
import string
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `scanner` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner.engine.checksums import github_token_with_checksum

GENERATOR = "keysweep-labelled-corpus/1"
SEED = 20240917
HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parent / "testdata" / "labelled"
TREE = "repo"  # the scanned folder inside the output; labels.json sits beside it

ALNUM = string.ascii_letters + string.digits
CLASSES = {
    "A": ALNUM,
    "a": string.ascii_lowercase + string.digits,
    "U": string.ascii_uppercase + string.digits,
    "h": "0123456789abcdef",
    "H": "0123456789ABCDEF",
    "d": string.digits,
    "b": ALNUM + "+/",
    "s": ALNUM + "-_",
    "l": string.ascii_lowercase,
    "L": string.ascii_letters,
    "Z": string.ascii_uppercase + "234567",
    "B": "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",  # bech32, upper-case
    "p": ALNUM + "!#%*+-.:=?@^_~",  # generated passwords
}
_FIELD = re.compile(r"\{(uuid|[A-Za-z]:\d+(?:-\d+)?)\}")

Maker = Callable[[random.Random], str]


def rand(rng: random.Random, cls: str, n: int) -> str:
    return "".join(rng.choices(CLASSES[cls], k=n))


def uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def expand(rng: random.Random, spec: str) -> str:
    """`sk_live_{A:99}` -> sk_live_ + 99 characters of class A; `{h:30-40}` picks a length; `{uuid}`."""

    def one(m: re.Match[str]) -> str:
        token = m.group(1)
        if token == "uuid":
            return uuid4(rng)
        cls, _, size = token.partition(":")
        lo, _, hi = size.partition("-")
        return rand(rng, cls, rng.randint(int(lo), int(hi or lo)))

    return _FIELD.sub(one, spec)


def pat(spec: str) -> Maker:
    return lambda rng: expand(rng, spec)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def password(rng: random.Random) -> str:
    """A generated password: 14-24 characters with upper, lower, digit and a symbol."""
    while True:
        value = rng.choice(string.ascii_letters) + rand(rng, "p", rng.randint(13, 23))
        if (
            any(c.isupper() for c in value)
            and any(c.islower() for c in value)
            and sum(c.isdigit() for c in value) >= 2
            and any(not c.isalnum() for c in value)
        ):
            return value


def human_password(rng: random.Random) -> str:
    """What people pick: two capitalised words, a symbol and digits (`Harbor#Tulip1987`)."""
    words = ["Harbor", "Tulip", "Granite", "Falcon", "Meadow", "Copper", "Willow", "Orbit", "Saffron", "Juniper"]
    a, b = rng.sample(words, 2)
    return f"{a}{rng.choice('#!%&*@')}{b}{rng.randint(10, 9999)}"


# -- structured formats --------------------------------------------------------------------------


def github(prefix: str) -> Maker:
    return lambda rng: github_token_with_checksum(rand(rng, "A", 30), prefix=prefix)


def aws_session_token(rng: random.Random) -> str:
    return "IQoJb3JpZ2luX2Vj" + b64(rng.randbytes(rng.randint(300, 420)))[: rng.randint(380, 520)].rstrip("=")


def bedrock_key(rng: random.Random) -> str:
    body = f"BedrockAPIKey-{rand(rng, 'a', 4)}-at-{rand(rng, 'd', 12)}:{rand(rng, 'b', 40)}"
    return "ABSK" + b64(body.encode())


def azure_devops_pat(rng: random.Random) -> str:
    return rand(rng, "A", 52) + rand(rng, "A", 24) + "AZDO" + rand(rng, "A", 4)


def azure_client_secret(rng: random.Random) -> str:
    return rand(rng, "A", 3) + rng.choice(string.digits) + "Q~" + rand(rng, "s", 28) + rand(rng, "A", 6)


def sas_token(rng: random.Random) -> str:
    sig = b64(rng.randbytes(32)).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    return (
        f"sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2026-{rng.randint(1, 12):02d}-"
        f"{rng.randint(1, 28):02d}T18:00:00Z&st=2024-09-01T10:00:00Z&spr=https&sig={sig}"
    )


def discord_bot_token(rng: random.Random) -> str:
    snowflake = str(rng.randint(10**17, 2 * 10**18))
    return f"{b64url(snowflake.encode())}.{rand(rng, 's', 6)}.{rand(rng, 's', 38)}"


def jwt(rng: random.Random, payload: dict[str, object] | None = None) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = payload or {
        "sub": f"svc-{rand(rng, 'a', 8)}",
        "iat": 1717000000 + rng.randint(0, 10**6),
        "exp": 1893456000,
        "scope": "internal:write",
    }
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    return f"{header}.{body}.{b64url(rng.randbytes(32))}"


def onepassword_sa(rng: random.Random) -> str:
    claims = {
        "signInAddress": "acme.1password.com",
        "userAuth": {
            "method": "SRPg-4096",
            "alg": "PBES2g-HS256",
            "iterations": 650000,
            "salt": b64url(rng.randbytes(16)),
        },
        "email": f"{rand(rng, 'a', 12)}@1passwordserviceaccounts.com",
        "srpX": rand(rng, "h", 64),
        "muk": {
            "alg": "A256GCM",
            "ext": True,
            "k": b64url(rng.randbytes(32)),
            "key_ops": ["encrypt", "decrypt"],
            "kty": "oct",
            "kid": "mp",
        },
        "secretKey": f"A3-{rand(rng, 'U', 6)}",
        "throttleSecret": {"seed": rand(rng, "h", 64), "uuid": rand(rng, "U", 26)},
        "deviceUuid": rand(rng, "a", 26),
    }
    return "ops_" + b64url(json.dumps(claims, separators=(",", ":")).encode())


def sentry_org_token(rng: random.Random) -> str:
    claims = {
        "iat": 1717000000 + rng.randint(0, 10**6),
        "url": "https://sentry.io",
        "region_url": "https://us.sentry.io",
        "org": rng.choice(["acme", "acme-corp", "globex"]),
    }
    return "sntrys_" + b64(json.dumps(claims, separators=(",", ":")).encode()).rstrip("=") + "_" + rand(rng, "b", 43)


def grafana_cloud_token(rng: random.Random) -> str:
    claims = {
        "o": str(rng.randint(100000, 999999)),
        "n": f"stack-{rng.randint(100000, 999999)}-hm-read",
        "k": rand(rng, "A", 24),
        "m": {"r": "prod-eu-west-0"},
    }
    return "glc_" + b64(json.dumps(claims, separators=(",", ":")).encode())


def mapbox_secret(rng: random.Random) -> str:
    claims = {"u": rng.choice(["acme", "acme-maps", "fleetops"]), "a": "cl" + rand(rng, "a", 23)}
    return "sk." + b64url(json.dumps(claims, separators=(",", ":")).encode()) + "." + rand(rng, "s", 22)


def jfrog_reference(rng: random.Random) -> str:
    return b64(f"reftkn:01:{rng.randint(1767225600, 1798761600)}:{rand(rng, 'A', 27)}".encode())


def twitter_bearer(rng: random.Random) -> str:
    return "A" * 22 + rand(rng, "A", 24) + "%3D" + rand(rng, "A", 50)


def basic_auth(rng: random.Random) -> str:
    return b64(f"{rng.choice(['deploy', 'ci-bot', 'reporting'])}:{password(rng)}".encode())


def pem(rng: random.Random, label: str, nbytes: int, prefix: bytes = b"") -> str:
    body = b64(prefix + rng.randbytes(nbytes))
    rows = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *rows, f"-----END {label}-----"])


def rsa_key(rng: random.Random) -> str:
    return pem(rng, "RSA PRIVATE KEY", 1180, b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00")


def pkcs8_key(rng: random.Random) -> str:
    return pem(rng, "PRIVATE KEY", 1200, b"\x30\x82\x04\xbe\x02\x01\x00\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d")


def ec_key(rng: random.Random) -> str:
    return pem(rng, "EC PRIVATE KEY", 114, b"\x30\x77\x02\x01\x01\x04\x20")


def openssh_key(rng: random.Random) -> str:
    return pem(rng, "OPENSSH PRIVATE KEY", 360, b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none")


def dsa_key(rng: random.Random) -> str:
    return pem(rng, "DSA PRIVATE KEY", 440, b"\x30\x82\x01\xbb\x02\x01\x00\x02\x81\x81\x00")


def encrypted_key(rng: random.Random) -> str:
    return pem(
        rng, "ENCRYPTED PRIVATE KEY", 1250, b"\x30\x82\x05\x1e\x30\x40\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0d"
    )


def pgp_private(rng: random.Random) -> str:
    body = b64(b"\x95\x03\xc6\x04" + rng.randbytes(900))
    rows = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join(
        [
            "-----BEGIN PGP PRIVATE KEY BLOCK-----",
            "",
            *rows,
            "=" + rand(rng, "b", 4),
            "-----END PGP PRIVATE KEY BLOCK-----",
        ]
    )


def putty_key(rng: random.Random) -> str:
    pub = b64(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + rng.randbytes(32))
    priv = b64(rng.randbytes(48))
    return "\n".join(
        [
            "PuTTY-User-Key-File-3: ssh-ed25519",
            "Encryption: none",
            f"Comment: deploy@{rand(rng, 'l', 6)}",
            "Public-Lines: 2",
            pub[:64],
            pub[64:],
            "Private-Lines: 1",
            priv,
            f"Private-MAC: {rand(rng, 'h', 64)}",
        ]
    )


def age_key(rng: random.Random) -> str:
    return "AGE-SECRET-KEY-1" + rand(rng, "B", 58)


def wireguard_key(rng: random.Random) -> str:
    raw = bytearray(rng.randbytes(32))
    raw[0] &= 248
    raw[31] = (raw[31] & 127) | 64
    return b64(bytes(raw))


def kube_client_key(rng: random.Random) -> str:
    return b64((ec_key(rng) + "\n").encode())


def connection(scheme: str, users: Sequence[str], hosts: Sequence[str], tail: str) -> Maker:
    def make(rng: random.Random) -> str:
        return f"{scheme}://{rng.choice(users)}:{no_uri_chars(password(rng))}@{rng.choice(hosts)}{tail}"

    return make


def no_uri_chars(value: str) -> str:
    return re.sub(r"[@:/?#%]", "", value)


def pw_in(template: str) -> Maker:
    """A password placed in a fixed connection-string template (`{pw}`), made URI-safe."""
    return lambda rng: template.replace("{pw}", no_uri_chars(password(rng)))


def expand_in(template: str) -> Maker:
    return lambda rng: expand(rng, template)


# -- the formats ---------------------------------------------------------------------------------

ASSIGN = (
    "env",
    "sh",
    "py",
    "js",
    "ts",
    "go",
    "java",
    "rb",
    "php",
    "cs",
    "yaml",
    "json",
    "toml",
    "ini",
    "properties",
    "xml",
    "tf",
    "dockerfile",
    "compose",
    "k8s",
    "gha",
    "gitlab",
)
CODE = ("py", "js", "ts", "go", "java", "rb", "php", "cs")
CONFIG = ("env", "yaml", "json", "toml", "ini", "properties", "xml", "compose", "k8s")
OPS = ("env", "sh", "tf", "dockerfile", "compose", "k8s", "gha", "gitlab")
DOTNET = ("cs", "json", "xml", "env", "yaml", "k8s")
JVM = ("java", "properties", "yaml", "xml", "env", "k8s")


@dataclass(frozen=True)
class Format:
    name: str  # the format, e.g. "stripe-secret-key"
    provider: str
    family: str  # expected rule family (keysweep's rule-pack file)
    make: Maker
    keys: tuple[str, ...]  # variable names it is assigned to, UPPER_SNAKE
    hosts: tuple[str, ...] = ASSIGN  # host file types it is written into
    count: int = 2  # how many are planted


def F(
    name: str, provider: str, family: str, make: Maker | str, keys: str, hosts: tuple[str, ...] = ASSIGN, count: int = 2
) -> Format:
    maker = pat(make) if isinstance(make, str) else make
    return Format(name, provider, family, maker, tuple(keys.split()), hosts, count)


FORMATS: tuple[Format, ...] = (
    # cloud: AWS, Azure, GCP
    F("aws-access-key-id", "AWS", "aws", "AKIA{Z:16}", "AWS_ACCESS_KEY_ID", count=4),
    F("aws-secret-access-key", "AWS", "aws", "{b:40}", "AWS_SECRET_ACCESS_KEY", count=4),
    F("aws-session-token", "AWS", "aws", aws_session_token, "AWS_SESSION_TOKEN", OPS),
    F("aws-bedrock-api-key", "AWS", "aws", bedrock_key, "AWS_BEARER_TOKEN_BEDROCK BEDROCK_API_KEY"),
    F(
        "aws-appsync-api-key",
        "AWS",
        "aws",
        "da2-{a:26}",
        "APPSYNC_API_KEY GRAPHQL_API_KEY",
        ("js", "ts", "env", "json"),
    ),
    F("aws-mws-auth-token", "AWS", "aws", "amzn.mws.{uuid}", "MWS_AUTH_TOKEN"),
    F(
        "azure-storage-connection-string",
        "Azure",
        "azure",
        expand_in(
            "DefaultEndpointsProtocol=https;AccountName=acme{l:8};AccountKey={b:86}==;EndpointSuffix=core.windows.net"
        ),
        "AZURE_STORAGE_CONNECTION_STRING STORAGE_CONNECTION",
        DOTNET + ("py", "js"),
    ),
    F(
        "azure-storage-account-key",
        "Azure",
        "azure",
        "{b:86}==",
        "AZURE_STORAGE_ACCOUNT_KEY STORAGE_ACCOUNT_KEY",
        DOTNET + OPS,
    ),
    F(
        "azure-sas-token",
        "Azure",
        "azure",
        sas_token,
        "AZURE_STORAGE_SAS_TOKEN BLOB_SAS_TOKEN",
        DOTNET + ("py", "js", "sh"),
    ),
    F("azure-ad-client-secret", "Azure", "azure", azure_client_secret, "AZURE_CLIENT_SECRET AAD_CLIENT_SECRET"),
    F(
        "azure-cosmosdb-connection-string",
        "Azure",
        "azure",
        expand_in("AccountEndpoint=https://acme-{l:6}.documents.azure.com:443/;AccountKey={b:86}==;"),
        "COSMOS_CONNECTION_STRING",
        DOTNET,
    ),
    F(
        "azure-servicebus-connection-string",
        "Azure",
        "azure",
        expand_in(
            "Endpoint=sb://acme-{l:6}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
            "SharedAccessKey={b:43}="
        ),
        "SERVICEBUS_CONNECTION_STRING",
        DOTNET,
    ),
    F(
        "azure-iothub-connection-string",
        "Azure",
        "azure",
        expand_in("HostName=acme-{l:6}.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey={b:43}="),
        "IOTHUB_CONNECTION_STRING",
        DOTNET,
    ),
    F(
        "azure-signalr-connection-string",
        "Azure",
        "azure",
        expand_in("Endpoint=https://acme-{l:6}.service.signalr.net;AccessKey={b:43}=;Version=1.0;"),
        "AZURE_SIGNALR_CONNECTION_STRING",
        DOTNET,
    ),
    F(
        "azure-app-configuration-connection-string",
        "Azure",
        "azure",
        expand_in("Endpoint=https://acme-{l:6}.azconfig.io;Id={A:4}-l0-s0:{A:20};Secret={b:43}="),
        "APP_CONFIGURATION_CONNECTION_STRING",
        DOTNET,
    ),
    F("azure-devops-pat", "Azure", "azure", azure_devops_pat, "AZURE_DEVOPS_PAT ADO_PAT SYSTEM_ACCESSTOKEN"),
    F("azure-openai-api-key", "Azure", "azure", "{h:32}", "AZURE_OPENAI_API_KEY AZURE_OPENAI_KEY"),
    F(
        "azure-function-key",
        "Azure",
        "azure",
        expand_in("https://acme-{l:6}.azurewebsites.net/api/orders-webhook?code={s:54}=="),
        "ORDERS_FUNCTION_URL",
    ),
    F("gcp-api-key", "Google", "gcp", "AIza{s:35}", "GOOGLE_API_KEY GOOGLE_MAPS_API_KEY", count=3),
    F("gcp-oauth-client-secret", "Google", "gcp", "GOCSPX-{s:28}", "GOOGLE_CLIENT_SECRET GOOGLE_OAUTH_CLIENT_SECRET"),
    F("google-oauth-access-token", "Google", "gcp", "ya29.a0{s:150-180}", "GOOGLE_ACCESS_TOKEN GCP_ACCESS_TOKEN"),
    F("google-oauth-refresh-token", "Google", "gcp", "1//0{s:100}", "GOOGLE_REFRESH_TOKEN"),
    F("firebase-cloud-messaging-server-key", "Google", "gcp", "AAAA{s:7}:APA91b{s:134}", "FCM_SERVER_KEY"),
    F("gcs-hmac-access-id", "Google", "gcp", "GOOG1E{U:55}", "GCS_HMAC_ACCESS_ID GCS_ACCESS_KEY_ID", count=1),
    F("gemini-api-key", "Google", "gcp", "AIza{s:35}", "GEMINI_API_KEY GOOGLE_GENAI_API_KEY"),
    # other clouds and platforms
    F("digitalocean-pat", "DigitalOcean", "cloud", "dop_v1_{h:64}", "DIGITALOCEAN_TOKEN DO_TOKEN"),
    F("digitalocean-oauth-token", "DigitalOcean", "cloud", "doo_v1_{h:64}", "DIGITALOCEAN_ACCESS_TOKEN", count=1),
    F("digitalocean-spaces-key", "DigitalOcean", "cloud", "DO00{U:16}", "SPACES_ACCESS_KEY_ID DO_SPACES_KEY"),
    F(
        "alibaba-access-key-id",
        "Alibaba Cloud",
        "cloud",
        "LTAI5t{A:18}",
        "ALIBABA_CLOUD_ACCESS_KEY_ID ALICLOUD_ACCESS_KEY",
    ),
    F(
        "alibaba-access-key-secret",
        "Alibaba Cloud",
        "cloud",
        "{A:30}",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET ALICLOUD_SECRET_KEY",
    ),
    F("tencent-secret-id", "Tencent Cloud", "cloud", "AKID{A:32}", "TENCENTCLOUD_SECRET_ID"),
    F("ibm-cloud-api-key", "IBM Cloud", "cloud", "{s:44}", "IBMCLOUD_API_KEY IBM_CLOUD_API_KEY"),
    F("heroku-api-key", "Heroku", "cloud", "HRKU-AA{s:58}", "HEROKU_API_KEY"),
    F("heroku-api-key-legacy", "Heroku", "cloud", "{uuid}", "HEROKU_API_KEY HEROKU_AUTH_TOKEN"),
    F("cloudflare-api-token", "Cloudflare", "cloud", "{s:40}", "CLOUDFLARE_API_TOKEN CF_API_TOKEN"),
    F("cloudflare-global-api-key", "Cloudflare", "cloud", "{h:37}", "CLOUDFLARE_API_KEY CF_API_KEY"),
    F("cloudflare-origin-ca-key", "Cloudflare", "cloud", "v1.0-{h:24}-{h:146}", "CLOUDFLARE_ORIGIN_CA_KEY", count=1),
    F("fastly-api-token", "Fastly", "cloud", "{s:32}", "FASTLY_API_TOKEN FASTLY_API_KEY"),
    F("linode-api-token", "Linode", "cloud", "{h:64}", "LINODE_TOKEN LINODE_API_TOKEN"),
    F("scaleway-secret-key", "Scaleway", "cloud", "{uuid}", "SCW_SECRET_KEY"),
    F("vercel-token", "Vercel", "cloud", "{A:24}", "VERCEL_TOKEN"),
    F("netlify-access-token", "Netlify", "cloud", "nfp_{A:40}", "NETLIFY_AUTH_TOKEN"),
    F("flyio-token", "Fly.io", "cloud", "fo1_{s:43}", "FLY_API_TOKEN"),
    F("supabase-access-token", "Supabase", "cloud", "sbp_{h:40}", "SUPABASE_ACCESS_TOKEN"),
    F("supabase-secret-key", "Supabase", "cloud", "sb_secret_{s:31}", "SUPABASE_SECRET_KEY SUPABASE_SERVICE_KEY"),
    F("planetscale-service-token", "PlanetScale", "cloud", "pscale_tkn_{s:43}", "PLANETSCALE_SERVICE_TOKEN"),
    F(
        "planetscale-password",
        "PlanetScale",
        "databases",
        "pscale_pw_{s:43}",
        "PLANETSCALE_DB_PASSWORD DATABASE_PASSWORD",
    ),
    F("render-api-key", "Render", "cloud", "rnd_{A:32}", "RENDER_API_KEY"),
    F("hetzner-cloud-token", "Hetzner", "cloud", "{A:64}", "HCLOUD_TOKEN"),
    F("databricks-token", "Databricks", "cloud", "dapi{h:32}", "DATABRICKS_TOKEN"),
    F("neon-api-key", "Neon", "cloud", "napi_{a:64}", "NEON_API_KEY"),
    F("cloudinary-url", "Cloudinary", "cloud", "cloudinary://{d:15}:{s:27}@acme-{l:5}", "CLOUDINARY_URL"),
    F("deno-deploy-token", "Deno", "cloud", "ddp_{A:36}", "DENO_DEPLOY_TOKEN"),
    F("doppler-service-token", "Doppler", "cicd", "dp.st.prd.{A:43}", "DOPPLER_TOKEN"),
    F("doppler-personal-token", "Doppler", "cicd", "dp.pt.{A:43}", "DOPPLER_TOKEN", count=1),
    F("vault-service-token", "HashiCorp Vault", "cicd", "hvs.CAESI{s:86}", "VAULT_TOKEN"),
    F("vault-batch-token", "HashiCorp Vault", "cicd", "hvb.AAAAAQ{s:140}", "VAULT_TOKEN", count=1),
    F("terraform-cloud-token", "HashiCorp Terraform Cloud", "cicd", "{A:14}.atlasv1.{s:67}", "TFE_TOKEN TF_API_TOKEN"),
    F("pulumi-access-token", "Pulumi", "cicd", "pul-{h:40}", "PULUMI_ACCESS_TOKEN"),
    F("yandex-cloud-api-key", "Yandex Cloud", "cloud", "AQVN{s:36}", "YC_API_KEY"),
    F("backblaze-b2-application-key", "Backblaze", "cloud", "K005{b:27}", "B2_APPLICATION_KEY"),
    # source control and CI
    F("github-pat-classic", "GitHub", "github", github("ghp_"), "GITHUB_TOKEN GH_TOKEN GITHUB_PAT", count=4),
    F("github-fine-grained-pat", "GitHub", "github", "github_pat_11{U:20}_{A:59}", "GITHUB_TOKEN GH_PAT", count=3),
    F("github-oauth-token", "GitHub", "github", github("gho_"), "GITHUB_OAUTH_TOKEN"),
    F("github-user-to-server-token", "GitHub", "github", github("ghu_"), "GITHUB_USER_TOKEN"),
    F("github-server-to-server-token", "GitHub", "github", github("ghs_"), "GITHUB_APP_INSTALLATION_TOKEN"),
    F(
        "github-refresh-token",
        "GitHub",
        "github",
        lambda r: github_token_with_checksum(rand(r, "A", 30), "ghr_") + rand(r, "A", 40),
        "GITHUB_REFRESH_TOKEN",
        count=1,
    ),
    F("github-oauth-client-secret", "GitHub", "github", "{h:40}", "GITHUB_CLIENT_SECRET GITHUB_OAUTH_SECRET"),
    F("gitlab-pat", "GitLab", "gitlab", "glpat-{s:20}", "GITLAB_TOKEN GITLAB_PRIVATE_TOKEN", count=3),
    F("gitlab-pat-routable", "GitLab", "gitlab", "glpat-{s:36}.01.{a:9}", "GITLAB_TOKEN GL_TOKEN"),
    F("gitlab-deploy-token", "GitLab", "gitlab", "gldt-{s:20}", "GITLAB_DEPLOY_TOKEN CI_DEPLOY_PASSWORD"),
    F("gitlab-runner-auth-token", "GitLab", "gitlab", "glrt-{s:20}", "RUNNER_TOKEN GITLAB_RUNNER_TOKEN"),
    F("gitlab-runner-registration-token", "GitLab", "gitlab", "GR1348941{s:20}", "REGISTRATION_TOKEN", count=1),
    F("gitlab-pipeline-trigger-token", "GitLab", "gitlab", "glptt-{h:40}", "TRIGGER_TOKEN"),
    F("gitlab-feed-token", "GitLab", "gitlab", "glft-{s:20}", "GITLAB_FEED_TOKEN", count=1),
    F("bitbucket-app-password", "Bitbucket", "cicd", "ATBB{A:32}", "BITBUCKET_APP_PASSWORD"),
    F("circleci-personal-token", "CircleCI", "cicd", "CCIPAT_{A:22}_{h:40}", "CIRCLECI_TOKEN CIRCLE_TOKEN"),
    F("buildkite-api-token", "Buildkite", "cicd", "bkua_{h:40}", "BUILDKITE_API_TOKEN"),
    F("sonarqube-token", "SonarQube", "cicd", "sqp_{h:40}", "SONAR_TOKEN"),
    F("snyk-api-token", "Snyk", "cicd", "{uuid}", "SNYK_TOKEN"),
    F("codecov-token", "Codecov", "cicd", "{uuid}", "CODECOV_TOKEN"),
    F("postman-api-key", "Postman", "cicd", "PMAK-{h:24}-{h:34}", "POSTMAN_API_KEY"),
    F("sourcegraph-access-token", "Sourcegraph", "cicd", "sgp_{h:16}_{h:40}", "SRC_ACCESS_TOKEN", count=1),
    F("jenkins-api-token", "Jenkins", "cicd", "11{h:32}", "JENKINS_API_TOKEN JENKINS_TOKEN"),
    F("1password-service-account-token", "1Password", "cicd", onepassword_sa, "OP_SERVICE_ACCOUNT_TOKEN", count=1),
    F("infracost-api-key", "Infracost", "cicd", "ico-{A:32}", "INFRACOST_API_KEY", count=1),
    F("prefect-api-key", "Prefect", "cicd", "pnu_{A:36}", "PREFECT_API_KEY"),
    F("harness-access-token", "Harness", "cicd", "pat.{s:22}.{h:24}.{A:20}", "HARNESS_API_KEY", count=1),
    F("octopus-deploy-api-key", "Octopus Deploy", "cicd", "API-{U:26}", "OCTOPUS_API_KEY", count=1),
    # package registries
    F("npm-access-token", "npm", "registries", github("npm_"), "NPM_TOKEN NODE_AUTH_TOKEN", count=3),
    F("pypi-upload-token", "PyPI", "registries", "pypi-AgEIcHlwaS5vcmcCJD{s:150}", "PYPI_API_TOKEN TWINE_PASSWORD"),
    F("rubygems-api-key", "RubyGems", "registries", "rubygems_{h:48}", "GEM_HOST_API_KEY RUBYGEMS_API_KEY"),
    F("nuget-api-key", "NuGet", "registries", "oy2{a:43}", "NUGET_API_KEY"),
    F("dockerhub-pat", "Docker Hub", "registries", "dckr_pat_{s:27}", "DOCKERHUB_TOKEN DOCKER_PASSWORD"),
    F("jfrog-api-key", "JFrog", "registries", "AKCp8{A:68}", "ARTIFACTORY_API_KEY JFROG_API_KEY"),
    F("jfrog-reference-token", "JFrog", "registries", jfrog_reference, "JFROG_ACCESS_TOKEN ARTIFACTORY_TOKEN"),
    F("crates-io-token", "crates.io", "registries", "cio{A:32}", "CARGO_REGISTRY_TOKEN"),
    F("packagist-token", "Packagist", "registries", "packagist_uat_{h:68}", "PACKAGIST_TOKEN", count=1),
    F("clojars-token", "Clojars", "registries", "CLOJARS_{a:60}", "CLOJARS_PASSWORD", count=1),
    # messaging and e-mail
    F("slack-bot-token", "Slack", "messaging", "xoxb-{d:12}-{d:13}-{A:24}", "SLACK_BOT_TOKEN SLACK_TOKEN", count=3),
    F("slack-user-token", "Slack", "messaging", "xoxp-{d:12}-{d:12}-{d:13}-{h:32}", "SLACK_USER_TOKEN"),
    F("slack-app-token", "Slack", "messaging", "xapp-1-A{U:10}-{d:13}-{h:64}", "SLACK_APP_TOKEN"),
    F(
        "slack-webhook-url",
        "Slack",
        "messaging",
        "https://hooks.slack.com/services/T{U:10}/B{U:10}/{A:24}",
        "SLACK_WEBHOOK_URL ALERTS_WEBHOOK",
        count=3,
    ),
    F(
        "slack-workflow-webhook-url",
        "Slack",
        "messaging",
        "https://hooks.slack.com/triggers/T{U:10}/{d:13}/{h:32}",
        "SLACK_WORKFLOW_URL",
        count=1,
    ),
    F("slack-signing-secret", "Slack", "messaging", "{h:32}", "SLACK_SIGNING_SECRET"),
    F("discord-bot-token", "Discord", "messaging", discord_bot_token, "DISCORD_BOT_TOKEN DISCORD_TOKEN"),
    F(
        "discord-webhook-url",
        "Discord",
        "messaging",
        "https://discord.com/api/webhooks/{d:19}/{s:68}",
        "DISCORD_WEBHOOK_URL",
    ),
    F("telegram-bot-token", "Telegram", "messaging", "{d:10}:AA{s:33}", "TELEGRAM_BOT_TOKEN"),
    F("twilio-auth-token", "Twilio", "messaging", "{h:32}", "TWILIO_AUTH_TOKEN"),
    F("twilio-api-key-sid", "Twilio", "messaging", "SK{h:32}", "TWILIO_API_KEY", count=1),
    F("sendgrid-api-key", "SendGrid", "messaging", "SG.{s:22}.{s:43}", "SENDGRID_API_KEY", count=3),
    F("mailgun-api-key", "Mailgun", "messaging", "{h:32}-{h:8}-{h:8}", "MAILGUN_API_KEY"),
    F("mailgun-api-key-legacy", "Mailgun", "messaging", "key-{h:32}", "MAILGUN_KEY", count=1),
    F("mailchimp-api-key", "Mailchimp", "messaging", "{h:32}-us{d:2}", "MAILCHIMP_API_KEY"),
    F("postmark-token", "Postmark", "messaging", "{uuid}", "POSTMARK_SERVER_TOKEN POSTMARK_API_TOKEN"),
    F(
        "teams-incoming-webhook",
        "Microsoft Teams",
        "messaging",
        expand_in("https://acme.webhook.office.com/webhookb2/{uuid}@{uuid}/IncomingWebhook/{h:32}/{uuid}/V2{s:43}"),
        "TEAMS_WEBHOOK_URL",
    ),
    F("brevo-api-key", "Brevo", "messaging", "xkeysib-{h:64}-{A:16}", "BREVO_API_KEY SENDINBLUE_API_KEY"),
    F("mailjet-secret-key", "Mailjet", "messaging", "{h:32}", "MAILJET_SECRET_KEY MJ_APIKEY_PRIVATE", count=1),
    F("sparkpost-api-key", "SparkPost", "messaging", "{h:40}", "SPARKPOST_API_KEY", count=1),
    # payments and commerce
    F("stripe-secret-key", "Stripe", "payments", "sk_live_51{A:97}", "STRIPE_SECRET_KEY STRIPE_API_KEY", count=4),
    F("stripe-restricted-key", "Stripe", "payments", "rk_live_51{A:97}", "STRIPE_RESTRICTED_KEY"),
    F("stripe-webhook-secret", "Stripe", "payments", "whsec_{A:32}", "STRIPE_WEBHOOK_SECRET"),
    F("square-access-token", "Square", "payments", "EAAA{s:60}", "SQUARE_ACCESS_TOKEN"),
    F("square-application-secret", "Square", "payments", "sq0csp-{s:43}", "SQUARE_APPLICATION_SECRET", count=1),
    F(
        "braintree-access-token",
        "Braintree",
        "payments",
        "access_token$production${a:16}${h:32}",
        "BRAINTREE_ACCESS_TOKEN",
        CODE + ("yaml", "json", "properties", "xml", "toml", "ini"),
    ),
    F("paypal-client-secret", "PayPal", "payments", "E{s:79}", "PAYPAL_CLIENT_SECRET PAYPAL_SECRET"),
    F("shopify-access-token", "Shopify", "payments", "shpat_{h:32}", "SHOPIFY_ACCESS_TOKEN SHOPIFY_ADMIN_TOKEN"),
    F("shopify-shared-secret", "Shopify", "payments", "shpss_{h:32}", "SHOPIFY_API_SECRET"),
    F("shopify-custom-app-token", "Shopify", "payments", "shpca_{h:32}", "SHOPIFY_CUSTOM_APP_TOKEN", count=1),
    F("razorpay-key-secret", "Razorpay", "payments", "{A:24}", "RAZORPAY_KEY_SECRET"),
    F("flutterwave-secret-key", "Flutterwave", "payments", "FLWSECK-{h:32}-X", "FLW_SECRET_KEY"),
    F("plaid-access-token", "Plaid", "payments", "access-production-{uuid}", "PLAID_ACCESS_TOKEN"),
    F("plaid-secret", "Plaid", "payments", "{h:30}", "PLAID_SECRET"),
    F("adyen-api-key", "Adyen", "payments", "AQE{b:70}=-{b:43}=-{A:12}", "ADYEN_API_KEY"),
    F("paddle-api-key", "Paddle", "payments", "pdl_live_apikey_{a:26}_{A:22}_{A:3}", "PADDLE_API_KEY", count=1),
    # AI
    F("openai-project-key", "OpenAI", "ai", "sk-proj-{s:74}T3BlbkFJ{s:74}", "OPENAI_API_KEY", count=4),
    F("openai-api-key-legacy", "OpenAI", "ai", "sk-{A:20}T3BlbkFJ{A:20}", "OPENAI_API_KEY OPENAI_KEY"),
    F("openai-service-account-key", "OpenAI", "ai", "sk-svcacct-{s:74}T3BlbkFJ{s:74}", "OPENAI_API_KEY", count=1),
    F("anthropic-api-key", "Anthropic", "ai", "sk-ant-api03-{s:93}AA", "ANTHROPIC_API_KEY", count=3),
    F("anthropic-admin-key", "Anthropic", "ai", "sk-ant-admin01-{s:93}AA", "ANTHROPIC_ADMIN_KEY", count=1),
    F("huggingface-access-token", "Hugging Face", "ai", "hf_{L:34}", "HF_TOKEN HUGGINGFACE_TOKEN"),
    F("replicate-api-token", "Replicate", "ai", "r8_{A:37}", "REPLICATE_API_TOKEN"),
    F("groq-api-key", "Groq", "ai", "gsk_{A:52}", "GROQ_API_KEY"),
    F("perplexity-api-key", "Perplexity", "ai", "pplx-{A:48}", "PERPLEXITY_API_KEY"),
    F("xai-api-key", "xAI", "ai", "xai-{A:80}", "XAI_API_KEY"),
    F("openrouter-api-key", "OpenRouter", "ai", "sk-or-v1-{h:64}", "OPENROUTER_API_KEY"),
    F("langsmith-api-key", "LangChain", "ai", "lsv2_pt_{h:32}_{h:10}", "LANGSMITH_API_KEY LANGCHAIN_API_KEY"),
    F("pinecone-api-key", "Pinecone", "ai", "pcsk_{A:6}_{A:66}", "PINECONE_API_KEY"),
    F("cohere-api-key", "Cohere", "ai", "{A:40}", "COHERE_API_KEY CO_API_KEY"),
    F("mistral-api-key", "Mistral AI", "ai", "{A:32}", "MISTRAL_API_KEY"),
    F("tavily-api-key", "Tavily", "ai", "tvly-dev-{A:32}", "TAVILY_API_KEY", count=1),
    F("nvidia-api-key", "NVIDIA", "ai", "nvapi-{s:64}", "NVIDIA_API_KEY", count=1),
    F("deepseek-api-key", "DeepSeek", "ai", "sk-{h:32}", "DEEPSEEK_API_KEY"),
    F("langfuse-secret-key", "Langfuse", "ai", "sk-lf-{uuid}", "LANGFUSE_SECRET_KEY", count=1),
    # observability
    F("datadog-api-key", "Datadog", "observability", "{h:32}", "DD_API_KEY DATADOG_API_KEY", count=3),
    F("datadog-app-key", "Datadog", "observability", "{h:40}", "DD_APP_KEY DATADOG_APP_KEY"),
    F("newrelic-user-api-key", "New Relic", "observability", "NRAK-{U:27}", "NEW_RELIC_API_KEY"),
    F("newrelic-license-key", "New Relic", "observability", "{h:36}NRAL", "NEW_RELIC_LICENSE_KEY"),
    F("newrelic-insights-insert-key", "New Relic", "observability", "NRII-{s:32}", "NEW_RELIC_INSERT_KEY", count=1),
    F("sentry-org-token", "Sentry", "observability", sentry_org_token, "SENTRY_AUTH_TOKEN"),
    F("sentry-user-token", "Sentry", "observability", "sntryu_{h:64}", "SENTRY_AUTH_TOKEN"),
    F("grafana-cloud-token", "Grafana", "observability", grafana_cloud_token, "GRAFANA_CLOUD_TOKEN GRAFANA_API_KEY"),
    F("grafana-service-account-token", "Grafana", "observability", "glsa_{A:32}_{h:8}", "GRAFANA_SA_TOKEN GF_TOKEN"),
    F("dynatrace-api-token", "Dynatrace", "observability", "dt0c01.{U:24}.{U:64}", "DT_API_TOKEN DYNATRACE_API_TOKEN"),
    F("honeycomb-ingest-key", "Honeycomb", "observability", "hcaik_01{a:56}", "HONEYCOMB_API_KEY"),
    F(
        "pagerduty-integration-key",
        "PagerDuty",
        "observability",
        "{h:32}",
        "PAGERDUTY_INTEGRATION_KEY PAGERDUTY_ROUTING_KEY",
    ),
    F("splunk-hec-token", "Splunk", "observability", "{uuid}", "SPLUNK_HEC_TOKEN"),
    F("rollbar-access-token", "Rollbar", "observability", "{h:32}", "ROLLBAR_ACCESS_TOKEN"),
    F("launchdarkly-sdk-key", "LaunchDarkly", "observability", "sdk-{uuid}", "LAUNCHDARKLY_SDK_KEY LD_SDK_KEY"),
    F("posthog-personal-api-key", "PostHog", "observability", "phx_{A:43}", "POSTHOG_PERSONAL_API_KEY"),
    F("axiom-token", "Axiom", "observability", "xaat-{uuid}", "AXIOM_TOKEN", count=1),
    # SaaS
    F("atlassian-api-token", "Atlassian", "saas", "ATATT3xFfGF0{s:170}={H:8}", "JIRA_API_TOKEN CONFLUENCE_API_TOKEN"),
    F("notion-api-token", "Notion", "saas", "ntn_{d:11}{A:35}", "NOTION_TOKEN NOTION_API_KEY"),
    F("linear-api-key", "Linear", "saas", "lin_api_{A:40}", "LINEAR_API_KEY"),
    F("figma-pat", "Figma", "saas", "figd_{s:40}", "FIGMA_TOKEN"),
    F("okta-api-token", "Okta", "saas", "00{s:40}", "OKTA_API_TOKEN OKTA_CLIENT_TOKEN"),
    F("hubspot-private-app-token", "HubSpot", "saas", "pat-na1-{uuid}", "HUBSPOT_ACCESS_TOKEN"),
    F("airtable-pat", "Airtable", "saas", "pat{A:14}.{h:64}", "AIRTABLE_API_KEY AIRTABLE_TOKEN"),
    F("asana-pat", "Asana", "saas", "2/{d:16}/{d:16}:{h:32}", "ASANA_ACCESS_TOKEN", count=1),
    F("typeform-token", "Typeform", "saas", "tfp_{s:44}_{s:14}", "TYPEFORM_TOKEN", count=1),
    F("mapbox-secret-token", "Mapbox", "saas", mapbox_secret, "MAPBOX_SECRET_TOKEN MAPBOX_DOWNLOADS_TOKEN"),
    F("contentful-pat", "Contentful", "saas", "CFPAT-{s:43}", "CONTENTFUL_MANAGEMENT_TOKEN"),
    F("algolia-admin-key", "Algolia", "saas", "{h:32}", "ALGOLIA_ADMIN_API_KEY ALGOLIA_WRITE_API_KEY"),
    F("shippo-api-token", "Shippo", "saas", "shippo_live_{h:40}", "SHIPPO_API_TOKEN", count=1),
    F("easypost-api-key", "EasyPost", "saas", "EZAK{A:54}", "EASYPOST_API_KEY", count=1),
    F("dropbox-access-token", "Dropbox", "saas", "sl.B{s:135}", "DROPBOX_ACCESS_TOKEN", count=1),
    F("facebook-access-token", "Meta", "saas", "EAAG{A:180}", "FACEBOOK_ACCESS_TOKEN FB_PAGE_TOKEN"),
    F("twitter-bearer-token", "X (Twitter)", "saas", twitter_bearer, "TWITTER_BEARER_TOKEN"),
    F("zendesk-api-token", "Zendesk", "saas", "{A:40}", "ZENDESK_API_TOKEN"),
    F(
        "salesforce-access-token",
        "Salesforce",
        "saas",
        "00D{A:15}!{A:96}",
        "SALESFORCE_ACCESS_TOKEN SF_ACCESS_TOKEN",
        count=1,
    ),
    # databases
    F(
        "postgres-uri",
        "PostgreSQL",
        "databases",
        connection(
            "postgresql",
            ["orders_app", "billing", "etl_rw"],
            ["db-primary.acme.internal:5432", "pg.prod.acme.net"],
            "/orders",
        ),
        "DATABASE_URL POSTGRES_URL",
        count=4,
    ),
    F(
        "mysql-uri",
        "MySQL",
        "databases",
        connection(
            "mysql", ["shop", "wp_admin", "reporting"], ["mysql.acme.internal:3306", "10.20.3.14:3306"], "/shop"
        ),
        "DATABASE_URL MYSQL_URL",
        count=3,
    ),
    F(
        "mongodb-uri",
        "MongoDB",
        "databases",
        connection(
            "mongodb+srv",
            ["svc-catalog", "atlasAdmin"],
            ["cluster0.x7f2k.mongodb.net"],
            "/catalog?retryWrites=true&w=majority",
        ),
        "MONGODB_URI MONGO_URL",
        count=3,
    ),
    F("redis-uri", "Redis", "databases", pw_in("rediss://:{pw}@cache.acme.internal:6380/0"), "REDIS_URL CACHE_URL"),
    F(
        "amqp-uri",
        "RabbitMQ",
        "databases",
        connection("amqps", ["events", "worker"], ["mq.acme.internal:5671"], "/prod"),
        "AMQP_URL BROKER_URL",
    ),
    F(
        "mssql-uri",
        "SQL Server",
        "databases",
        connection(
            "mssql+pyodbc", ["reporting"], ["sql.acme.internal:1433"], "/warehouse?driver=ODBC+Driver+18+for+SQL+Server"
        ),
        "WAREHOUSE_DSN",
        ("py", "env", "yaml"),
        count=1,
    ),
    F(
        "jdbc-url-password",
        "JDBC",
        "databases",
        pw_in("jdbc:postgresql://db.acme.internal:5432/orders?user=orders_app&password={pw}&ssl=true"),
        "JDBC_URL SPRING_DATASOURCE_URL",
        JVM,
    ),
    F(
        "jdbc-oracle-thin-credentials",
        "Oracle",
        "databases",
        pw_in("jdbc:oracle:thin:ledger/{pw}@ora.acme.internal:1521/LEDGER"),
        "LEDGER_JDBC_URL",
        JVM,
        count=1,
    ),
    F(
        "adonet-connection-string",
        "SQL Server",
        "databases",
        pw_in(
            "Server=tcp:acme-sql.database.windows.net,1433;Initial Catalog=orders;"
            "User ID=orders_app;Password={pw};Encrypt=True;"
        ),
        "SQL_CONNECTION_STRING",
        DOTNET,
        count=3,
    ),
    F(
        "clickhouse-uri",
        "ClickHouse",
        "databases",
        connection("clickhouse", ["analytics"], ["ch.acme.internal:8443"], "/events?secure=true"),
        "CLICKHOUSE_URL",
        count=1,
    ),
    F(
        "neo4j-uri",
        "Neo4j",
        "databases",
        connection("neo4j+s", ["neo4j"], ["a1b2c3d4.databases.neo4j.io"], ""),
        "NEO4J_URI",
        count=1,
    ),
    F("influxdb-token", "InfluxDB", "databases", "{s:86}==", "INFLUXDB_TOKEN INFLUX_TOKEN"),
    F("upstash-redis-token", "Upstash", "databases", "AX{A:60}=", "UPSTASH_REDIS_REST_TOKEN", count=1),
    F("mongodb-atlas-private-key", "MongoDB", "databases", "{uuid}", "MONGODB_ATLAS_PRIVATE_KEY", count=1),
    # generic credentials in code and config
    F(
        "generic-password",
        "generic",
        "generic",
        password,
        "DB_PASSWORD ADMIN_PASSWORD SMTP_PASSWORD POSTGRES_PASSWORD REDIS_PASSWORD KEYSTORE_PASSWORD "
        "LDAP_BIND_PASSWORD RABBITMQ_PASSWORD MYSQL_ROOT_PASSWORD ELASTIC_PASSWORD SFTP_PASSWORD",
        count=26,
    ),
    F(
        "generic-password-human",
        "generic",
        "generic",
        human_password,
        "DB_PASSWORD ADMIN_PASSWORD MAIL_PASSWORD SERVICE_ACCOUNT_PASSWORD",
        count=5,
    ),
    F(
        "django-secret-key",
        "Django",
        "generic",
        expand_in("django-insecure-{a:50}"),
        "SECRET_KEY",
        ("py", "env"),
        count=1,
    ),
    F("app-secret-key", "generic", "generic", "{s:50}", "SECRET_KEY APP_SECRET SESSION_SECRET", count=4),
    F(
        "rails-secret-key-base",
        "Ruby on Rails",
        "generic",
        "{h:128}",
        "SECRET_KEY_BASE",
        ("rb", "yaml", "env"),
        count=1,
    ),
    F("jwt-signing-secret", "generic", "generic", "{s:48}", "JWT_SECRET JWT_SIGNING_KEY", count=3),
    F(
        "encryption-key",
        "generic",
        "generic",
        lambda r: b64(r.randbytes(32)),
        "ENCRYPTION_KEY DATA_ENCRYPTION_KEY",
        count=3,
    ),
    F("webhook-secret", "generic", "generic", "{h:40}", "WEBHOOK_SECRET GITHUB_WEBHOOK_SECRET", count=2),
    F("oauth-client-secret", "generic", "generic", "{A:32}", "OAUTH_CLIENT_SECRET KEYCLOAK_CLIENT_SECRET", count=3),
    F("internal-api-key", "generic", "generic", "{A:40}", "PARTNER_API_KEY INTERNAL_API_KEY BILLING_API_KEY", count=4),
    F("service-jwt", "generic", "keys", jwt, "SERVICE_AUTH_TOKEN INTERNAL_JWT", count=2),
)


# -- writing values into host files -------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One labelled value to place in a host file: a planted secret or a look-alike."""

    key: str  # UPPER_SNAKE; each host type spells it its own way
    value: str
    label: dict[str, str]  # secret: format, provider, family; look-alike: kind
    secret: bool
    raw: bool = False  # `value` is already an expression in the host's syntax (no quotes added)


def words(key: str) -> list[str]:
    return key.lower().split("_")


def camel(key: str) -> str:
    head, *rest = words(key)
    return head + "".join(w.capitalize() for w in rest)


def pascal(key: str) -> str:
    return "".join(w.capitalize() for w in words(key))


def snake(key: str) -> str:
    return key.lower()


def xml_escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def _plain(value: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9_./+=-]*", value) is not None


def assign(host: str, key: str, value: str, raw: bool = False) -> list[str]:
    """The lines that give `key` the value `value` in a file of type `host`."""
    q = value if raw else f'"{value}"'
    sq = value if raw else f"'{value}'"
    forms: dict[str, Callable[[], list[str]]] = {
        "env": lambda: [f"{key}={value if raw or _plain(value) else q}"],
        "sh": lambda: [f"export {key}={sq}"],
        "py": lambda: [f"{key} = {q}"],
        "js": lambda: [f"  {camel(key)}: {sq},"],
        "ts": lambda: [f"export const {key}: string = {q};"],
        "go": lambda: [f"\t{pascal(key)} = {q}"],
        "java": lambda: [f"    public static final String {key} = {q};"],
        "rb": lambda: [f"    {key} = {q}"],
        "php": lambda: [f"    '{snake(key)}' => {sq},"],
        "cs": lambda: [f"        public const string {pascal(key)} = {q};"],
        "yaml": lambda: [f"  {snake(key)}: {q}"],
        "json": lambda: [f'  "{camel(key)}": {q},'],
        "toml": lambda: [f"{snake(key)} = {q}"],
        "ini": lambda: [f"{snake(key)} = {value}"],
        "properties": lambda: [f"{snake(key).replace('_', '.')}={value}"],
        "xml": lambda: [f'    <add key="{pascal(key)}" value="{xml_escape(value)}" />'],
        "tf": lambda: [f"  {snake(key)} = {q}"],
        "dockerfile": lambda: [f"ENV {key}={value if raw or _plain(value) else q}"],
        "compose": lambda: [f"      {key}: {q}"],
        "k8s": lambda: [f"  {key}: {q}"],
        "k8sdeploy": lambda: [f"            - name: {key}", f"              value: {q}"],
        "gha": lambda: [f"  {key}: {q}"],
        "gitlab": lambda: [f"  {key}: {q}"],
    }
    return forms[host]()


def reference(host: str, key: str) -> str:
    """How code and config in a host type refer to a value kept elsewhere (not the value itself)."""
    forms = {
        "py": f'os.environ["{key}"]',
        "js": f"process.env.{key}",
        "ts": f'process.env.{key} ?? ""',
        "go": f'os.Getenv("{key}")',
        "java": f'System.getenv("{key}")',
        "rb": f'ENV.fetch("{key}")',
        "php": f"env('{key}')",
        "cs": f'Environment.GetEnvironmentVariable("{key}")',
        "tf": f"var.{snake(key)}",
        "gha": f'"${{{{ secrets.{key} }}}}"',
        "gitlab": f'"${key}"',
        "k8sdeploy": f'"$({key})"',
        "yaml": f'"{{{{ .Values.{camel(key)} }}}}"',
        "compose": f'"${{{key}:?missing}}"',
        "dockerfile": f"${{{key}}}",
        "sh": f'"${{{key}:?}}"',
        "properties": f"${{{key}}}",
        "xml": f"%{key}%",
        "json": f'"${{{key}}}"',
        "toml": f'"${{{key}}}"',
        "ini": f"%({snake(key)})s",
        "env": f"${{SHARED_{key}}}",
        "k8s": f'"${{{key}}}"',
    }
    return forms[host]


HEADERS: dict[str, tuple[str, str]] = {
    # host type -> (lines before the values, lines after); {svc}, {Svc}, {section} are filled in
    "env": ("# {svc} runtime settings", ""),
    "sh": (
        "#!/usr/bin/env bash\n# Environment for {svc} jobs; sourced by the systemd unit.\nset -euo pipefail\n",
        '\nexec /opt/{svc}/bin/{svc} "$@"',
    ),
    "py": ('"""Settings for the {svc} service."""\n\nimport os\n', ""),
    "js": ("'use strict';\n\n// Configuration for the {svc} service.\nmodule.exports = {{", "}};"),
    "ts": ("// Runtime configuration for {svc}.\n", '\nexport const serviceName = "{svc}";'),
    "go": ("package config\n\n// Settings for the {svc} service.\nconst (", ")"),
    "java": (
        "package com.acme.{pkg};\n\n/** Deployment settings for {svc}. */\npublic final class {Svc}Settings {{\n"
        "    private {Svc}Settings() {{\n    }}\n",
        "}}",
    ),
    "rb": ("# frozen_string_literal: true\n\nmodule {Svc}\n  module Settings", "  end\nend"),
    "php": ("<?php\n\n// Settings for {svc}.\nreturn [", "];"),
    "cs": ("namespace Acme.{Svc}\n{{\n    public static class Settings\n    {{", "    }}\n}}"),
    "yaml": ("# {svc} settings\n{section}:", ""),
    "json": ('{{\n  "service": "{svc}",', '  "schemaVersion": 3\n}}'),
    "toml": ('title = "{svc}"\n\n[{section}]', ""),
    "ini": ("; {svc} settings\n[{section}]", ""),
    "properties": ("# {svc}\nspring.application.name={svc}", ""),
    "xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <appSettings>',
        '  </appSettings>\n  <system.web>\n    <compilation debug="false" targetFramework="4.8" />\n'
        "  </system.web>\n</configuration>",
    ),
    "tf": (
        "# Settings for the {svc} stack.\nlocals {{",
        '}}\n\nmodule "{svc}" {{\n  source = "../modules/service"\n  name   = "{svc}"\n}}',
    ),
    "dockerfile": (
        "FROM python:3.11-slim\n\nWORKDIR /srv/{svc}\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n",
        'COPY . .\nCMD ["python", "-m", "{svc}"]',
    ),
    "compose": (
        'services:\n  {svc}:\n    image: "registry.acme.io/{svc}:1.14.2"\n    restart: unless-stopped\n'
        "    environment:",
        '    ports:\n      - "8080:8080"',
    ),
    "k8s": (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {svc}-env\n  namespace: {section}\ntype: Opaque\nstringData:",
        "",
    ),
    "k8sdeploy": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {svc}\n  namespace: {section}\nspec:\n"
        "  replicas: 3\n  selector:\n    matchLabels:\n      app: {svc}\n  template:\n    metadata:\n"
        "      labels:\n        app: {svc}\n    spec:\n      containers:\n        - name: {svc}\n"
        "          image: registry.acme.io/{svc}:2.3.0\n          env:",
        "          ports:\n            - containerPort: 8080",
    ),
    "gha": (
        "name: {svc}\n\non:\n  push:\n    branches: [main]\n\nenv:",
        "\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: make deploy",
    ),
    "gitlab": (
        "stages: [build, test, deploy]\n\nvariables:",
        "\ndeploy:\n  stage: deploy\n  image: alpine:3.20\n  script:\n    - ./deploy/scripts/deploy.sh\n"
        "  only:\n    - main",
    ),
}

# Ordinary settings that are not secrets (some have secret words in their names: a scanner must not flag them).
NEUTRAL: tuple[tuple[str, str], ...] = (
    ("LOG_LEVEL", "info"),
    ("PORT", "8080"),
    ("APP_ENV", "production"),
    ("CACHE_TTL_SECONDS", "300"),
    ("AWS_REGION", "eu-west-1"),
    ("DB_HOST", "db-primary.acme.internal"),
    ("DB_PORT", "5432"),
    ("DB_NAME", "orders"),
    ("DB_USER", "orders_app"),
    ("REDIS_HOST", "cache.acme.internal"),
    ("SMTP_HOST", "smtp.acme.io"),
    ("SMTP_PORT", "587"),
    ("S3_BUCKET", "acme-prod-uploads"),
    ("FEATURE_NEW_CHECKOUT", "true"),
    ("MAX_UPLOAD_MB", "25"),
    ("TZ", "UTC"),
    ("WORKERS", "4"),
    ("REQUEST_TIMEOUT_MS", "15000"),
    ("SENTRY_ENVIRONMENT", "production"),
    ("API_BASE_URL", "https://api.acme.io/v2"),
    ("CORS_ORIGINS", "https://shop.acme.io"),
    ("METRICS_PORT", "9102"),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector:4317"),
    ("KAFKA_BROKERS", "kafka-0.acme.internal:9092"),
    ("ELASTICSEARCH_URL", "https://search.acme.internal:9200"),
    ("RATE_LIMIT_PER_MINUTE", "600"),
    ("DEFAULT_LOCALE", "en-GB"),
    ("CURRENCY", "EUR"),
    ("SUPPORT_EMAIL", "support@acme.io"),
    ("PAGE_SIZE", "50"),
    ("RETRY_ATTEMPTS", "5"),
    ("SESSION_COOKIE_NAME", "acme_sid"),
    ("STATIC_URL", "/static/"),
    ("DEBUG", "false"),
    ("ALLOWED_HOSTS", "shop.acme.io,api.acme.io"),
    ("HEALTHCHECK_PATH", "/healthz"),
    ("JWT_ISSUER", "https://auth.acme.io/"),
    ("JWT_AUDIENCE", "orders-api"),
    ("TOKEN_TTL_SECONDS", "3600"),
    ("PASSWORD_MIN_LENGTH", "12"),
    ("OAUTH_TOKEN_URL", "https://auth.acme.io/oauth2/token"),
    ("SECRETS_BACKEND", "aws-secretsmanager"),
    ("API_KEY_HEADER", "X-Api-Key"),
    ("VAULT_ADDR", "https://vault.acme.internal:8200"),
    ("AUTH_PROVIDER", "okta"),
    ("SMTP_USERNAME", "postmaster@mg.acme.io"),
    ("KEYSTORE_PATH", "/etc/acme/keystore.p12"),
    ("TLS_CERT_FILE", "/etc/ssl/certs/acme.crt"),
    ("GOOGLE_CLOUD_PROJECT", "acme-prod-4821"),
    ("DATADOG_SITE", "datadoghq.eu"),
    ("STRIPE_API_VERSION", "2024-06-20"),
    ("GITHUB_ORG", "acme-corp"),
    ("SLACK_CHANNEL", "#deploys"),
    ("OPENAI_MODEL", "gpt-4o-mini"),
    ("SENTRY_TRACES_SAMPLE_RATE", "0.2"),
)


@dataclass
class Host:
    """A file that holds assignments: path, type and the labelled entries placed in it."""

    path: str
    type: str
    svc: str
    section: str = "production"
    entries: list[Entry] = field(default_factory=list)


def render_host(host: Host, rng: random.Random) -> tuple[list[str], list[dict[str, object]]]:
    """The file's lines and a label (path, line, end_line + the entry's label) per entry."""
    head, foot = HEADERS[host.type]
    fill = {
        "svc": host.svc,
        "Svc": pascal(host.svc.replace("-", "_")),
        "section": host.section,
        "pkg": host.svc.replace("-", ""),
    }
    lines = head.format(**fill).split("\n")
    labels: list[dict[str, object]] = []
    used = {e.key for e in host.entries}
    neutral = [kv for kv in NEUTRAL if kv[0] not in used]
    rng.shuffle(neutral)
    for entry in host.entries:
        for _ in range(rng.choice((0, 1, 1, 2))):
            if neutral:
                k, v = neutral.pop()
                lines += assign(host.type, k, v)
        start = len(lines) + 1
        lines += assign(host.type, entry.key, entry.value, entry.raw)
        labels.append({"path": host.path, "line": start, "end_line": len(lines), **entry.label})
    lines += [assign(host.type, k, v)[0] for k, v in neutral[: rng.randint(1, 3)]] if host.type != "k8sdeploy" else []
    if foot:
        lines += foot.format(**fill).split("\n")
    return lines, labels


# -- files written whole -------------------------------------------------------------------------


class Doc:
    """A file built line by line, with labels for the secrets and look-alikes written into it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: list[str] = []
        self.labels: list[dict[str, object]] = []

    def add(self, text: str = "") -> Doc:
        self.lines += text.split("\n")
        return self

    def _labelled(self, text: str, label: dict[str, str]) -> Doc:
        start = len(self.lines) + 1
        self.add(text)
        self.labels.append({"path": self.path, "line": start, "end_line": len(self.lines), **label})
        return self

    def secret(self, text: str, fmt: str, provider: str, family: str) -> Doc:
        return self._labelled(text, {"format": fmt, "provider": provider, "family": family})

    def lookalike(self, text: str, kind: str) -> Doc:
        return self._labelled(text, {"kind": kind})


def indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + row if row else row for row in text.split("\n"))


def certificate(rng: random.Random) -> str:
    return pem(rng, "CERTIFICATE", 900, b"\x30\x82\x03\x80\x30\x82\x02\x68\xa0\x03\x02\x01\x02\x02\x14")


def public_key(rng: random.Random) -> str:
    return pem(rng, "PUBLIC KEY", 270, b"\x30\x82\x01\x22\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00")


def ssh_public(rng: random.Random, comment: str) -> str:
    if rng.random() < 0.5:
        blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + rng.randbytes(32)
        return f"ssh-ed25519 {b64(blob)} {comment}"
    blob = b"\x00\x00\x00\x07ssh-rsa\x00\x00\x00\x03\x01\x00\x01\x00\x00\x01\x81\x00" + rng.randbytes(384)
    return f"ssh-rsa {b64(blob)} {comment}"


def key_files(rng: random.Random) -> list[Doc]:
    """Private keys as files and inside YAML, Terraform, Python and JSON; their public halves as look-alikes."""
    docs = []
    for path, make, fmt in (
        ("dotfiles/.ssh/id_rsa", openssh_key, "openssh-private-key"),
        ("dotfiles/.ssh/id_ed25519", openssh_key, "openssh-private-key"),
        ("keys/tls/api.acme.io.key", rsa_key, "private-key-rsa"),
        ("keys/tls/shop.acme.io.key", pkcs8_key, "private-key-pkcs8"),
        ("keys/signing/jwt-es256.pem", ec_key, "private-key-ec"),
        ("keys/legacy/dsa_host_key", dsa_key, "private-key-dsa"),
        ("keys/partners/sftp-upload.pem", encrypted_key, "private-key-encrypted"),
        ("keys/backup/archive-signing.asc", pgp_private, "pgp-private-key-block"),
        ("keys/windows/deploy.ppk", putty_key, "putty-private-key"),
    ):
        docs.append(Doc(path).secret(make(rng), fmt, "private key", "keys"))
    docs.append(Doc("dotfiles/.ssh/id_ed25519.pub").lookalike(ssh_public(rng, "ops@acme-laptop"), "public-key"))
    docs.append(Doc("keys/tls/api.acme.io.crt").lookalike(certificate(rng), "certificate"))
    docs.append(Doc("keys/signing/jwt-es256.pub").lookalike(public_key(rng), "public-key"))
    bundle = Doc("keys/tls/ca-bundle.pem").add("# Acme internal CA chain")
    for name in ("Acme Root CA 2023", "Acme Issuing CA 02"):
        bundle.add(f"# {name}").lookalike(certificate(rng), "certificate")
    docs.append(bundle)
    auth = Doc("dotfiles/.ssh/authorized_keys")
    for who in ("ci@build-01", "ana@acme-laptop", "deploy@bastion", "backup@nas"):
        auth.lookalike(ssh_public(rng, who), "public-key")
    docs.append(auth)
    known = Doc("dotfiles/.ssh/known_hosts")
    for host in ("github.com", "gitlab.acme.io", "bastion.acme.io,10.20.0.4", "[sftp.partner.example]:2222", "nas.lan"):
        known.lookalike(f"{host} {ssh_public(rng, '').rstrip()}", "public-key")
    docs.append(known)

    tls = Doc("infra/k8s/prod/tls-secret.yaml").add(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: shop-tls\n  namespace: production\ntype: kubernetes.io/tls\n"
        "stringData:\n  tls.crt: |"
    )
    tls.lookalike(indent(certificate(rng), "    "), "certificate").add("  tls.key: |")
    tls.secret(indent(rsa_key(rng), "    "), "private-key-rsa", "private key", "keys")
    ca = Doc("infra/k8s/prod/ca-configmap.yaml").add(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: internal-ca\n  namespace: production\ndata:\n  ca.crt: |"
    )
    ca.lookalike(indent(certificate(rng), "    "), "certificate")
    bastion = Doc("infra/terraform/prod/bastion.tf").add(
        'resource "aws_instance" "bastion" {\n  ami           = "ami-0c1a7f89451184c8b"\n  instance_type = "t3.micro"\n'
        '  key_name      = "bastion"\n}\n\nresource "tls_locally_signed_cert" "unused" {\n  count = 0\n}\n\n'
        'resource "aws_secretsmanager_secret_version" "bastion_key" {\n'
        "  secret_id     = aws_secretsmanager_secret.bastion.id\n  secret_string = <<-EOT"
    )
    bastion.secret(indent(openssh_key(rng), "    "), "openssh-private-key", "private key", "keys").add("  EOT\n}")
    apns = Doc("services/notifier/notifier/apns.py").add(
        '"""Apple push notifications for the notifier."""\n\nimport jwt\n\nAPNS_KEY_ID = "8K3Q2X7M4P"\n'
        'APNS_TEAM_ID = "W4X9Z2C7B1"\nAPNS_AUTH_KEY = """\\'
    )
    apns.secret(pkcs8_key(rng), "private-key-pkcs8", "private key", "keys").add(
        '"""\n\n\ndef provider_token(now: int) -> str:\n    headers = {"alg": "ES256", "kid": APNS_KEY_ID}\n'
        '    return jwt.encode({"iss": APNS_TEAM_ID, "iat": now}, APNS_AUTH_KEY, algorithm="ES256", headers=headers)'
    )
    docs += [
        tls,
        ca,
        bastion,
        apns,
        *service_accounts(rng),
        jwk_files(rng),
        kubeconfig(rng),
        wireguard(rng),
        age_file(rng),
    ]
    return docs


def service_accounts(rng: random.Random) -> list[Doc]:
    docs = []
    for path, project, name in (
        ("keys/gcp/acme-prod-deployer.json", "acme-prod-4821", "deployer"),
        ("services/analytics/credentials/bigquery-reader.json", "acme-analytics", "bq-reader"),
    ):
        key = pkcs8_key(rng).replace("\n", "\\n") + "\\n"
        client = f"{name}@{project}.iam.gserviceaccount.com"
        doc = Doc(path).secret(
            f'{{\n  "type": "service_account",\n  "project_id": "{project}",\n'
            f'  "private_key_id": "{rand(rng, "h", 40)}",\n  "private_key": "{key}",\n'
            f'  "client_email": "{client}",\n  "client_id": "{rand(rng, "d", 21)}",\n'
            '  "auth_uri": "https://accounts.google.com/o/oauth2/auth",\n'
            '  "token_uri": "https://oauth2.googleapis.com/token",\n'
            '  "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",\n'
            '  "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/'
            f'{client.replace("@", "%40")}",\n'
            '  "universe_domain": "googleapis.com"\n}',
            "gcp-service-account-key",
            "Google",
            "gcp",
        )
        docs.append(doc)
    return docs


def jwk_files(rng: random.Random) -> Doc:
    def part(n: int) -> str:
        return b64url(rng.randbytes(n))

    doc = Doc("keys/jwks/signing-key.json")
    doc.secret(
        f'{{\n  "kty": "RSA",\n  "kid": "{rand(rng, "a", 12)}",\n  "use": "sig",\n  "alg": "RS256",\n'
        f'  "n": "{part(256)}",\n  "e": "AQAB",\n  "d": "{part(256)}",\n  "p": "{part(128)}",\n'
        f'  "q": "{part(128)}",\n  "dp": "{part(128)}",\n  "dq": "{part(128)}",\n  "qi": "{part(128)}"\n}}',
        "jwk-private-key",
        "private key",
        "keys",
    )
    return doc


def kubeconfig(rng: random.Random) -> Doc:
    doc = Doc("dotfiles/.kube/config").add("apiVersion: v1\nkind: Config\nclusters:\n  - name: prod-eu\n    cluster:")
    doc.lookalike(f"      certificate-authority-data: {b64((certificate(rng) + chr(10)).encode())}", "certificate")
    doc.add("      server: https://k8s-prod-eu.acme.internal:6443\nusers:\n  - name: admin-prod\n    user:")
    doc.lookalike(f"      client-certificate-data: {b64((certificate(rng) + chr(10)).encode())}", "certificate")
    doc.secret(f"      client-key-data: {kube_client_key(rng)}", "kubeconfig-client-key", "Kubernetes", "keys")
    doc.add("  - name: ci-deployer\n    user:")
    sa_token = jwt(
        rng,
        {
            "iss": "kubernetes/serviceaccount",
            "kubernetes.io/serviceaccount/namespace": "ci",
            "kubernetes.io/serviceaccount/service-account.name": "deployer",
            "sub": "system:serviceaccount:ci:deployer",
        },
    )
    doc.secret(f"      token: {sa_token}", "kubeconfig-token", "Kubernetes", "credential_files")
    return doc.add(
        "contexts:\n  - name: prod\n    context:\n      cluster: prod-eu\n      user: admin-prod\ncurrent-context: prod"
    )


def wireguard(rng: random.Random) -> Doc:
    doc = Doc("deploy/wireguard/wg0.conf").add("[Interface]\nAddress = 10.66.0.1/24\nListenPort = 51820")
    doc.secret(f"PrivateKey = {wireguard_key(rng)}", "wireguard-private-key", "WireGuard", "keys")
    for peer, ip in (("office", "10.66.0.2/32"), ("ci-runner", "10.66.0.3/32")):
        doc.add(f"\n# {peer}\n[Peer]").lookalike(f"PublicKey = {wireguard_key(rng)}", "public-key").add(
            f"AllowedIPs = {ip}"
        )
    return doc


def age_file(rng: random.Random) -> Doc:
    doc = Doc("deploy/sops/keys.txt").add("# created: 2024-05-02T09:14:55+02:00")
    doc.lookalike(f"# public key: age1{rand(rng, 'B', 58).lower()}", "public-key")
    return doc.secret(age_key(rng), "age-secret-key", "age", "keys")


def credential_files(rng: random.Random) -> list[Doc]:
    """Tool credential files in a dotfiles folder, each holding what its tool stores there."""
    s, cf = Doc.secret, "credential_files"
    netrc = Doc("dotfiles/.netrc").add("machine api.heroku.com")
    s(netrc, f"  login ops@acme.io\n  password {uuid4(rng)}", "netrc-password", "Heroku", cf)
    s(netrc.add(), f"machine git.acme.io login deploy password {password(rng)}", "netrc-password", "generic", cf)
    gitcred = Doc("dotfiles/.git-credentials")
    s(gitcred, f"https://deploy-bot:{rand(rng, 'A', 40)}@git.acme.io", "git-credentials", "generic", cf)
    s(gitcred, f"https://ana.lopez:{no_uri_chars(password(rng))}@bitbucket.acme.io", "git-credentials", "generic", cf)
    pgpass = Doc("dotfiles/.pgpass").add("# hostname:port:database:username:password")
    s(
        pgpass,
        f"db-primary.acme.internal:5432:orders:orders_app:{no_uri_chars(password(rng))}",
        "pgpass-password",
        "PostgreSQL",
        cf,
    )
    s(pgpass, f"*:5432:*:replicator:{no_uri_chars(password(rng))}", "pgpass-password", "PostgreSQL", cf)
    pypirc = Doc("dotfiles/.pypirc").add(
        "[distutils]\nindex-servers =\n    pypi\n    acme\n\n[pypi]\nusername = __token__"
    )
    s(pypirc, f"password = {expand(rng, 'pypi-AgEIcHlwaS5vcmcCJD{s:150}')}", "pypi-upload-token", "PyPI", "registries")
    pypirc.add("\n[acme]\nrepository = https://pypi.acme.io/\nusername = release-bot")
    s(pypirc, f"password = {password(rng)}", "pypirc-password", "generic", cf)
    npmrc = Doc("dotfiles/.npmrc").add("registry=https://registry.npmjs.org/\n@acme:registry=https://npm.acme.io/")
    s(npmrc, f"//npm.acme.io/:_auth={basic_auth(rng)}", "npmrc-auth", "npm", cf)
    s(npmrc, f"//registry.npmjs.org/:_authToken={github('npm_')(rng)}", "npm-access-token", "npm", "registries")
    npmrc.add("always-auth=true")
    docker = Doc("dotfiles/.docker/config.json").add('{\n  "auths": {')
    docker.add('    "registry.acme.io": {')
    s(docker, f'      "auth": "{basic_auth(rng)}"', "docker-config-auth", "Docker", cf)
    docker.add('    },\n    "ghcr.io": {')
    s(docker, f'      "auth": "{b64(("acme-ci:" + github("ghp_")(rng)).encode())}"', "docker-config-auth", "GitHub", cf)
    docker.add('    }\n  },\n  "credsStore": "",\n  "currentContext": "default"\n}')
    aws = Doc("dotfiles/.aws/credentials")
    for section in ("default", "deploy"):
        aws.add(f"[{section}]")
        s(aws, f"aws_access_key_id = {expand(rng, 'AKIA{Z:16}')}", "aws-access-key-id", "AWS", "aws")
        s(aws, f"aws_secret_access_key = {rand(rng, 'b', 40)}", "aws-secret-access-key", "AWS", "aws")
        aws.add("region = eu-west-1\n")
    s3cfg = Doc("dotfiles/.s3cfg").add("[default]")
    s(s3cfg, f"access_key = {expand(rng, 'AKIA{Z:16}')}", "aws-access-key-id", "AWS", "aws")
    s3cfg.add("host_base = s3.amazonaws.com\nhost_bucket = %(bucket)s.s3.amazonaws.com")
    s(s3cfg, f"secret_key = {rand(rng, 'b', 40)}", "aws-secret-access-key", "AWS", cf)
    s3cfg.add("use_https = True")
    rclone = Doc("dotfiles/.config/rclone/rclone.conf").add(
        "[backup-sftp]\ntype = sftp\nhost = nas.acme.internal\nuser = backup"
    )
    s(rclone, f"pass = {rand(rng, 's', 54)}", "rclone-config-secret", "rclone", cf)
    rclone.add("\n[archive]\ntype = b2\naccount = 0051a2b3c4d5e6f0000000003")
    s(rclone, f"key = {expand(rng, 'K005{b:27}')}", "backblaze-b2-application-key", "Backblaze", cf)
    mycnf = Doc("dotfiles/.my.cnf").add("[client]\nuser = root\nhost = mysql.acme.internal")
    s(mycnf, f"password = {password(rng)}", "mysql-option-file-password", "MySQL", cf)
    tfrc = Doc("dotfiles/.terraformrc").add(
        'plugin_cache_dir = "$HOME/.terraform.d/plugin-cache"\n\ncredentials "app.terraform.io" {'
    )
    s(tfrc, f'  token = "{expand(rng, "{A:14}.atlasv1.{s:67}")}"', "terraform-cloud-token", "HashiCorp", cf)
    tfrc.add("}")
    gem = Doc("dotfiles/.gem/credentials").add("---")
    s(gem, f":rubygems_api_key: {expand(rng, 'rubygems_{h:48}')}", "rubygems-api-key", "RubyGems", "registries")
    composer = Doc("dotfiles/.composer/auth.json").add('{\n  "github-oauth": {')
    s(composer, f'    "github.com": "{github("ghp_")(rng)}"', "github-pat-classic", "GitHub", "github")
    composer.add('  },\n  "http-basic": {\n    "repo.acme.io": {\n      "username": "composer-ci",')
    s(composer, f'      "password": "{password(rng)}"', "composer-http-basic", "generic", cf)
    composer.add("    }\n  }\n}")
    cargo = Doc("dotfiles/.cargo/credentials.toml").add("[registry]")
    s(cargo, f'token = "{expand(rng, "cio{A:32}")}"', "crates-io-token", "crates.io", "registries")
    gh = Doc("dotfiles/.config/gh/hosts.yml").add("github.com:")
    s(gh, f"    oauth_token: {github('gho_')(rng)}", "github-oauth-token", "GitHub", "github")
    gh.add("    user: ana-lopez\n    git_protocol: https")
    bundle = Doc("dotfiles/.bundle/config").add('---\nBUNDLE_PATH: "vendor/bundle"')
    s(bundle, f'BUNDLE_GEMS__CONTRIBSYS__COM: "acme-ci:{rand(rng, "h", 8)}"', "bundler-credentials", "Sidekiq", cf)
    edgerc = Doc("dotfiles/.edgerc").add("[default]")
    s(
        edgerc,
        f"client_secret = {rand(rng, 'b', 43)}=\nhost = {expand(rng, 'akab-{a:16}-{a:16}')}.luna.akamaiapis.net\n"
        f"access_token = {expand(rng, 'akab-{a:16}-{a:16}')}\nclient_token = {expand(rng, 'akab-{a:16}-{a:16}')}",
        "akamai-edgegrid-credentials",
        "Akamai",
        "cloud",
    )
    m2 = Doc("dotfiles/.m2/settings.xml").add(
        '<?xml version="1.0" encoding="UTF-8"?>\n<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">\n  <servers>'
    )
    for repo_id in ("acme-releases", "acme-snapshots"):
        m2.add(f"    <server>\n      <id>{repo_id}</id>\n      <username>deployer</username>")
        s(m2, f"      <password>{password(rng)}</password>", "maven-settings-password", "Maven", cf)
        m2.add("    </server>")
    m2.add("  </servers>\n</settings>")
    pip = Doc("dotfiles/.config/pip/pip.conf").add("[global]\ntimeout = 60")
    s(
        pip,
        f"extra-index-url = https://ci:{no_uri_chars(password(rng))}@pypi.acme.io/simple/",
        "url-credentials",
        "generic",
        cf,
    )
    profile = Doc("services/admin/Properties/PublishProfiles/production.pubxml").add(
        '<?xml version="1.0" encoding="utf-8"?>\n<publishData>\n'
        '  <publishProfile profileName="acme-admin - Web Deploy" '
        'publishMethod="MSDeploy"\n    publishUrl="acme-admin.scm.azurewebsites.net:443" msdeploySite="acme-admin"\n'
        '    userName="$acme-admin"'
    )
    s(profile, f'    userPWD="{rand(rng, "A", 60)}"', "azure-publish-profile-password", "Azure", cf)
    profile.add('    destinationAppUrl="https://acme-admin.azurewebsites.net" />\n</publishData>')
    return [
        netrc,
        gitcred,
        pgpass,
        pypirc,
        npmrc,
        docker,
        aws,
        s3cfg,
        rclone,
        mycnf,
        tfrc,
        gem,
        composer,
        cargo,
        gh,
        bundle,
        edgerc,
        m2,
        pip,
        profile,
    ]


def scripts(rng: random.Random) -> list[Doc]:
    """Credentials passed on command lines, in SQL and in library calls."""
    s, g = Doc.secret, "generic"
    ops = Doc("deploy/scripts/release.sh").add(
        '#!/usr/bin/env bash\n# Push images and warm caches after a release.\nset -euo pipefail\n\nTAG="${1:?tag}"\n'
    )
    s(
        ops,
        f"docker login -u deployer -p '{password(rng)}' registry.acme.io",
        "docker-login-password",
        "Docker",
        "credential_files",
    )
    ops.add('docker push "registry.acme.io/shop:${TAG}"')
    s(
        ops,
        f"docker login acmeprod.azurecr.io -u acmeprod -p {rand(rng, 'b', 52)}",
        "azure-container-registry-password",
        "Azure",
        "azure",
    )
    ops.add('docker push "acmeprod.azurecr.io/shop:${TAG}"\n\n# flush the page cache')
    s(
        ops,
        f"redis-cli -h cache.acme.internal -p 6380 --tls -a '{password(rng)}' FLUSHDB",
        "redis-cli-password",
        "Redis",
        "databases",
    )
    s(
        ops,
        f"mysql -h mysql.acme.internal -u root -p'{password(rng)}' shop < deploy/sql/post-release.sql",
        "mysql-cli-password",
        "MySQL",
        "databases",
    )
    s(
        ops,
        f"curl -fsS -u admin:{no_uri_chars(password(rng))} -X POST https://jenkins.acme.io/job/smoke-tests/build",
        "curl-basic-credentials",
        g,
        g,
    )
    s(
        ops,
        f'curl -fsS -H "Authorization: Bearer {rand(rng, "A", 40)}" https://status.acme.io/api/v1/incidents',
        "http-bearer-token",
        g,
        g,
    )
    s(
        ops,
        f'curl -fsS -H "Authorization: Basic {basic_auth(rng)}" https://grafana.acme.io/api/annotations',
        "basic-auth-header",
        g,
        g,
    )
    s(
        ops,
        f"sshpass -p '{password(rng)}' ssh -o StrictHostKeyChecking=no deploy@10.20.4.11 'sudo systemctl restart shop'",
        "sshpass-password",
        g,
        g,
    )
    s(
        ops,
        f"git clone https://release-bot:{rand(rng, 'A', 32)}@git.acme.io/platform/charts.git /tmp/charts",
        "url-credentials",
        g,
        g,
    )
    ops.add('echo "released ${TAG}"')
    sql = Doc("db/migrations/0042_reporting_roles.sql").add("-- Read-only role for the reporting service.\nBEGIN;\n")
    s(sql, f"CREATE ROLE reporting WITH LOGIN PASSWORD '{password(rng)}';", "sql-create-user-password", "PostgreSQL", g)
    sql.add(
        "GRANT CONNECT ON DATABASE orders TO reporting;\nGRANT SELECT ON ALL TABLES IN SCHEMA public TO reporting;\n"
    )
    s(sql, f"CREATE USER 'metrics'@'%' IDENTIFIED BY '{password(rng)}';", "sql-create-user-password", "MySQL", g)
    sql.add("COMMIT;")
    kafka = Doc("services/orders/src/main/resources/kafka-client.properties").add(
        "bootstrap.servers=kafka-0.acme.internal:9093\nsecurity.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512"
    )
    s(
        kafka,
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="orders" password="{password(rng)}";',
        "kafka-sasl-jaas-password",
        "Kafka",
        "databases",
    )
    kafka.add("ssl.endpoint.identification.algorithm=https")
    mailer = Doc("services/notifier/notifier/mailer.py").add(
        '"""Send digests over SMTP and fetch templates from the CMS."""\n\nimport smtplib\n\nimport requests\n\n\n'
        'def send(msg) -> None:\n    with smtplib.SMTP("smtp.acme.io", 587) as smtp:\n        smtp.starttls()'
    )
    s(mailer, f'        smtp.login("digest@acme.io", "{password(rng)}")', "smtp-login-password", g, g)
    mailer.add("        smtp.send_message(msg)\n\n\ndef template(name: str) -> str:")
    s(
        mailer,
        f'    r = requests.get(f"https://cms.acme.io/api/templates/{{name}}", auth=("notifier", "{password(rng)}"))',
        "http-basic-auth-tuple",
        g,
        g,
    )
    mailer.add("    r.raise_for_status()\n    return r.text")
    backup = Doc("services/admin/Infrastructure/BackupShare.cs").add(
        "using System.Net;\n\nnamespace Acme.Admin.Infrastructure\n{\n    public static class BackupShare\n    {\n"
        "        public static NetworkCredential Credential()\n        {"
    )
    s(
        backup,
        f'            return new NetworkCredential("svc_backup", "{password(rng)}", "ACME");',
        "network-credential-password",
        g,
        g,
    )
    backup.add("        }\n    }\n}")
    ds = Doc("services/ledger/src/main/java/com/acme/ledger/DataSourceFactory.java").add(
        "package com.acme.ledger;\n\nimport com.zaxxer.hikari.HikariDataSource;\n\nfinal class DataSourceFactory {\n"
        "    static HikariDataSource create() {\n        HikariDataSource ds = new HikariDataSource();\n"
        '        ds.setJdbcUrl("jdbc:postgresql://ledger-db.acme.internal:5432/ledger");\n'
        '        ds.setUsername("ledger_app");'
    )
    s(ds, f'        ds.setPassword("{password(rng)}");', "password-setter", g, g)
    ds.add("        ds.setMaximumPoolSize(20);\n        return ds;\n    }\n}")
    godb = Doc("services/payments/internal/store/db.go").add(
        'package store\n\nimport "github.com/go-sql-driver/mysql"\n\n// Config for the payments database.\n'
        'func Config() *mysql.Config {\n\treturn &mysql.Config{\n\t\tUser:   "payments",'
    )
    s(godb, f'\t\tPasswd: "{password(rng)}",', "go-struct-password", g, g)
    godb.add('\t\tNet:    "tcp",\n\t\tAddr:   "mysql.acme.internal:3306",\n\t\tDBName: "payments",\n\t}\n}')
    nodemail = Doc("services/storefront/src/mailer.js").add(
        "'use strict';\n\nconst nodemailer = require('nodemailer');\n\nmodule.exports = nodemailer.createTransport({\n"
        "  host: 'smtp.acme.io',\n  port: 587,\n  auth: {\n    user: 'storefront@acme.io',"
    )
    s(nodemail, f"    pass: '{password(rng)}',", "js-object-password", g, g)
    nodemail.add("  },\n});")
    wp = Doc("services/shop/wp-config.php").add(
        "<?php\n/** WordPress settings for the shop blog. */\ndefine( 'DB_NAME', 'wp_shop' );\n"
        "define( 'DB_USER', 'wp_shop' );"
    )
    s(wp, f"define( 'DB_PASSWORD', '{password(rng)}' );", "php-define-password", g, g)
    wp.add("define( 'DB_HOST', 'mysql.acme.internal' );")
    s(wp, f"define( 'AUTH_KEY', '{rand(rng, 'p', 64)}' );", "wordpress-salt", "WordPress", g)
    s(wp, f"define( 'SECURE_AUTH_KEY', '{rand(rng, 'p', 64)}' );", "wordpress-salt", "WordPress", g)
    wp.add("$table_prefix = 'wp_';\nrequire_once ABSPATH . 'wp-settings.php';")
    rails = Doc("services/catalog/config/environments/production.rb").add(
        "Rails.application.configure do\n  config.cache_classes = true\n"
        "  config.action_mailer.delivery_method = :smtp\n"
        '  config.action_mailer.smtp_settings = {\n    address: "smtp.acme.io",\n    port: 587,\n'
        '    user_name: "catalog@acme.io",'
    )
    s(rails, f'    password: "{password(rng)}",', "generic-password", g, g)
    rails.add("    authentication: :plain\n  }\nend")
    return [ops, sql, kafka, mailer, backup, ds, godb, nodemail, wp, rails]


# -- look-alikes: not secrets, though they look like them ----------------------------------------

NPM_PACKAGES = (
    "react",
    "react-dom",
    "express",
    "lodash",
    "axios",
    "zod",
    "dayjs",
    "uuid",
    "chalk",
    "commander",
    "debug",
    "ms",
    "semver",
    "cookie",
    "qs",
    "body-parser",
    "cors",
    "helmet",
    "jsonwebtoken",
    "bcryptjs",
    "pino",
    "ioredis",
    "pg",
    "knex",
    "stripe",
    "nodemailer",
    "dotenv",
    "yaml",
    "ajv",
    "nanoid",
)
GO_MODULES = (
    "github.com/go-sql-driver/mysql v1.8.1",
    "github.com/google/uuid v1.6.0",
    "github.com/stretchr/testify v1.9.0",
    "golang.org/x/crypto v0.24.0",
    "golang.org/x/net v0.26.0",
    "github.com/prometheus/client_golang v1.19.1",
    "go.uber.org/zap v1.27.0",
    "github.com/spf13/cobra v1.8.1",
    "github.com/redis/go-redis/v9 v9.5.3",
    "gopkg.in/yaml.v3 v3.0.1",
)
PY_PACKAGES = (
    "requests 2.32.3",
    "urllib3 2.2.2",
    "certifi 2024.7.4",
    "idna 3.7",
    "pandas 2.2.2",
    "numpy 1.26.4",
    "sqlalchemy 2.0.31",
    "pydantic 2.8.2",
    "boto3 1.34.140",
    "click 8.1.7",
)


def version(rng: random.Random) -> str:
    return f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"


def lockfiles(rng: random.Random) -> list[Doc]:
    kind = "lockfile-integrity"
    npm = Doc("services/storefront/package-lock.json").add(
        '{\n  "name": "storefront",\n  "version": "3.4.0",\n  "lockfileVersion": 3,\n  "requires": true,\n'
        '  "packages": {'
    )
    for i, name in enumerate(NPM_PACKAGES):
        v = version(rng)
        npm.add(
            f'    "node_modules/{name}": {{\n      "version": "{v}",\n'
            f'      "resolved": "https://registry.npmjs.org/{name}/-/{name}-{v}.tgz",'
        )
        npm.lookalike(f'      "integrity": "sha512-{b64(rng.randbytes(64))}",', kind)
        npm.add('      "license": "MIT"\n    }' + ("," if i < len(NPM_PACKAGES) - 1 else ""))
    npm.add("  }\n}")
    yarn = Doc("services/search/yarn.lock").add(
        "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n"
    )
    for name in NPM_PACKAGES[:15]:
        v = version(rng)
        yarn.add(
            f'{name}@^{v}:\n  version "{v}"\n  resolved "https://registry.yarnpkg.com/{name}/-/{name}-{v}.tgz'
            f'#{rand(rng, "h", 40)}"'
        )
        yarn.lookalike(f"  integrity sha512-{b64(rng.randbytes(64))}", kind).add()
    gosum = Doc("services/payments/go.sum")
    for mod in GO_MODULES:
        path, ver = mod.split()
        gosum.lookalike(f"{path} {ver} h1:{b64(rng.randbytes(32))}", kind)
        gosum.lookalike(f"{path} {ver}/go.mod h1:{b64(rng.randbytes(32))}", kind)
    poetry = Doc("services/analytics/poetry.lock").add(
        "# This file is automatically @generated by Poetry 1.8.3 and should not be changed by hand.\n"
    )
    for spec in PY_PACKAGES:
        name, ver = spec.split()
        poetry.add(
            f'[[package]]\nname = "{name}"\nversion = "{ver}"\noptional = false\npython-versions = ">=3.8"\nfiles = ['
        )
        poetry.lookalike(f'    {{file = "{name}-{ver}-py3-none-any.whl", hash = "sha256:{rand(rng, "h", 64)}"}},', kind)
        poetry.lookalike(f'    {{file = "{name}-{ver}.tar.gz", hash = "sha256:{rand(rng, "h", 64)}"}},', kind)
        poetry.add("]\n")
    poetry.add(f'[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "{rand(rng, "h", 64)}"')
    cargo = Doc("tools/acmectl/Cargo.lock").add(
        "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 3\n"
    )
    for name in ("anyhow", "clap", "serde", "serde_json", "tokio", "reqwest", "tracing", "thiserror", "toml", "url"):
        cargo.add(
            f'[[package]]\nname = "{name}"\nversion = "{version(rng)}"\n'
            'source = "registry+https://github.com/rust-lang/crates.io-index"'
        )
        cargo.lookalike(f'checksum = "{rand(rng, "h", 64)}"', kind).add()
    tflock = Doc("infra/terraform/prod/.terraform.lock.hcl").add(
        '# This file is maintained automatically by "terraform init".\n# Manual edits may be lost in future updates.\n'
    )
    for provider, ver in (("hashicorp/aws", "5.58.0"), ("hashicorp/random", "3.6.2")):
        tflock.add(
            f'provider "registry.terraform.io/{provider}" {{\n  version     = "{ver}"\n'
            f'  constraints = "~> {ver[:3]}"\n  hashes = ['
        )
        for _ in range(2):
            tflock.lookalike(f'    "h1:{b64(rng.randbytes(32))}",', kind)
        for _ in range(4):
            tflock.lookalike(f'    "zh:{rand(rng, "h", 64)}",', kind)
        tflock.add("  ]\n}\n")
    composer = Doc("services/shop/composer.lock").add(
        '{\n    "content-hash": "' + rand(rng, "h", 32) + '",\n    "packages": ['
    )
    for i, name in enumerate(("guzzlehttp/guzzle", "monolog/monolog", "symfony/console", "vlucas/phpdotenv")):
        composer.add(
            f'        {{\n            "name": "{name}",\n            "version": "{version(rng)}",\n'
            f'            "source": {{\n                "type": "git",\n'
            f'                "url": "https://github.com/{name}.git",'
        )
        composer.lookalike(f'                "reference": "{rand(rng, "h", 40)}"', "git-sha")
        composer.add("            }\n        }" + ("," if i < 3 else ""))
    composer.add("    ]\n}")
    return [npm, yarn, gosum, poetry, cargo, tflock, composer]


def checksums_and_shas(rng: random.Random) -> list[Doc]:
    sums = Doc("releases/v3.4.0/SHA256SUMS")
    for target in ("linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64", "windows-amd64.exe"):
        sums.lookalike(f"{rand(rng, 'h', 64)}  acmectl-3.4.0-{target}", "checksum")
    md5 = Doc("releases/v3.4.0/MD5SUMS")
    for target in ("linux-amd64", "darwin-arm64", "windows-amd64.exe"):
        md5.lookalike(f"{rand(rng, 'h', 32)}  acmectl-3.4.0-{target}", "checksum")
    builder = Doc("tools/builder/Dockerfile")
    builder.lookalike(f"FROM node:20.15-alpine@sha256:{rand(rng, 'h', 64)} AS assets", "checksum")
    builder.add("WORKDIR /src\nCOPY . .\nRUN npm ci && npm run build\n")
    builder.lookalike(f"FROM golang:1.22-bookworm@sha256:{rand(rng, 'h', 64)}", "checksum")
    builder.add("ARG KUBECTL_VERSION=v1.30.2")
    builder.lookalike(f"ARG KUBECTL_SHA256={rand(rng, 'h', 64)}", "checksum")
    builder.add(
        "RUN curl -fsSLo /usr/local/bin/kubectl "
        '"https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/amd64/kubectl" \\'
    )
    builder.add(
        ' && echo "${KUBECTL_SHA256}  /usr/local/bin/kubectl" | sha256sum -c - \\\n && chmod +x /usr/local/bin/kubectl'
    )
    builder.lookalike(f"ENV HELM_SHA256={rand(rng, 'h', 64)}", "checksum")
    changelog = Doc("CHANGELOG.md").add("# Changelog\n")
    for i, text in enumerate(
        (
            "checkout: retry card authorisation once on timeout",
            "orders: index on customer_id",
            "billing: round VAT per line, not per invoice",
            "search: drop the legacy synonyms file",
            "notifier: batch digest e-mails",
            "admin: audit log export to CSV",
            "payments: idempotency keys on refunds",
            "storefront: lazy-load product images",
        )
    ):
        if i % 3 == 0:
            changelog.add(f"\n## 3.{4 - i // 3}.0 - 2024-0{8 - i // 3}-1{i}\n")
        changelog.lookalike(
            f"- {text} ([{rand(rng, 'h', 7)}](https://git.acme.io/platform/shop/-/commit/{rand(rng, 'h', 40)}))",
            "git-sha",
        )
    ci = Doc(".github/workflows/ci.yml").add(
        "name: ci\n\non:\n  pull_request:\n  push:\n    branches: [main]\n\npermissions:\n  contents: read\n\n"
        "jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:"
    )
    for action, ref in (
        ("actions/checkout", "v4.1.7"),
        ("actions/setup-python", "v5.1.1"),
        ("actions/setup-node", "v4.0.3"),
        ("actions/cache", "v4.0.2"),
        ("docker/login-action", "v3.3.0"),
        ("codecov/codecov-action", "v4.5.0"),
    ):
        ci.lookalike(f"      - uses: {action}@{rand(rng, 'h', 40)}  # {ref}", "git-sha")
    ci.add("      - run: make test\n        env:")
    ci.lookalike("          CODECOV_TOKEN: ${{ secrets.CODECOV_TOKEN }}", "template-reference")
    ci.lookalike("          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}", "template-reference")
    ci.lookalike("          DOCKERHUB_TOKEN: ${{ secrets.DOCKERHUB_TOKEN }}", "template-reference")
    build_info = Doc("services/storefront/src/build-info.json").add("{")
    build_info.lookalike(f'  "commit": "{rand(rng, "h", 40)}",', "git-sha")
    build_info.lookalike(f'  "parentCommit": "{rand(rng, "h", 40)}",', "git-sha")
    build_info.lookalike(f'  "buildId": "{uuid4(rng)}",', "uuid")
    build_info.lookalike(f'  "bundleHash": "{rand(rng, "h", 64)}",', "checksum")
    build_info.add('  "builtAt": "2024-08-14T09:12:44Z"\n}')
    return [sums, md5, builder, changelog, ci, build_info]


def guid(rng: random.Random) -> str:
    return uuid4(rng).upper()


def dotnet_project(rng: random.Random) -> list[Doc]:
    sln = Doc("services/admin/Acme.Admin.sln").add(
        "Microsoft Visual Studio Solution File, Format Version 12.00\n# Visual Studio Version 17"
    )
    for name in ("Acme.Admin", "Acme.Admin.Infrastructure", "Acme.Admin.Tests"):
        sln.lookalike(f'Project("{{{guid(rng)}}}") = "{name}", "{name}\\{name}.csproj", "{{{guid(rng)}}}"', "uuid")
        sln.add("EndProject")
    proj = Doc("services/admin/Acme.Admin.csproj").add(
        '<Project Sdk="Microsoft.NET.Sdk.Web">\n  <PropertyGroup>\n    <TargetFramework>net8.0</TargetFramework>'
    )
    proj.lookalike(f"    <UserSecretsId>{uuid4(rng)}</UserSecretsId>", "uuid")
    proj.lookalike(f"    <ProjectGuid>{{{guid(rng)}}}</ProjectGuid>", "uuid")
    proj.add("  </PropertyGroup>\n</Project>")
    return [sln, proj]


def png_base64(rng: random.Random, n: int) -> str:
    return b64(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(n))


def web_assets(rng: random.Random) -> list[Doc]:
    kind = "minified-asset"
    js = Doc("services/storefront/public/assets/app.3f9a1c.min.js")
    js.lookalike(
        '"use strict";(self.webpackChunkstorefront=self.webpackChunkstorefront||[]).push([[179],{'
        + ",".join(
            f"{rng.randint(100, 999)}:function(e,t,n){{n.d(t,{{{rand(rng, 'L', 2)}:"
            f"function(){{return {rand(rng, 'l', 1)}}}}})}}"
            for _ in range(12)
        )
        + "}]);",
        kind,
    )
    js.lookalike(
        'n.u=function(e){return"static/js/"+e+"."+{'
        + ",".join(f'{rng.randint(10, 999)}:"{rand(rng, "h", 20)}"' for _ in range(18))
        + '}[e]+".chunk.js"};',
        kind,
    )
    for _ in range(6):
        body = ";".join(
            f"var {rand(rng, 'L', 2)}={rand(rng, 'l', 1)}({rand(rng, 'l', 1)}.{rand(rng, 'L', 3)},"
            f'"{rand(rng, "s", rng.randint(20, 44))}")'
            for _ in range(10)
        )
        js.lookalike(body + ";", kind)
    js.lookalike(f'const o="{b64(rng.randbytes(600))}";', kind)
    js.lookalike("//# sourceMappingURL=app.3f9a1c.min.js.map", kind)
    css = Doc("services/storefront/public/assets/styles.8c21e0.css")
    css.add(".logo{width:120px;height:32px}")
    css.lookalike(f".logo{{background-image:url(data:image/png;base64,{png_base64(rng, 700)})}}", "base64-image")
    css.lookalike(
        f".spinner{{background:url(data:image/gif;base64,R0lGODlhEAAQAPIAAP{b64(rng.randbytes(300))})}}", "base64-image"
    )
    css.lookalike(
        "@font-face{font-family:Inter;src:url(data:font/woff2;base64,d09GMgABAAAAA"
        f'{b64(rng.randbytes(900))}) format("woff2")}}',
        "base64-image",
    )
    css.lookalike(
        f".{rand(rng, 'l', 1)}{rand(rng, 's', 7)}{{color:#1d4ed8}}"
        f".{rand(rng, 'l', 1)}{rand(rng, 's', 7)}{{margin:0 auto}}",
        kind,
    )
    html = Doc("services/storefront/public/index.html").add(
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">'
    )
    html.lookalike(f'<link rel="icon" href="data:image/png;base64,{png_base64(rng, 180)}">', "base64-image")
    html.lookalike(
        f'<script src="https://cdn.acme.io/vendor.js" integrity="sha384-{b64(rng.randbytes(48))}" '
        'crossorigin="anonymous"></script>',
        "checksum",
    )
    html.lookalike(
        f'<link rel="stylesheet" href="/assets/styles.8c21e0.css" integrity="sha256-{b64(rng.randbytes(32))}">',
        "checksum",
    )
    html.add('</head>\n<body>\n<div id="root"></div>')
    html.lookalike(
        f'<img alt="" width="1" height="1" src="data:image/gif;base64,R0lGODlhAQABAIAAAP{b64(rng.randbytes(24))}">',
        "base64-image",
    )
    html.add('<script src="/assets/app.3f9a1c.min.js"></script>\n</body>\n</html>')
    nb = Doc("services/analytics/notebooks/weekly-revenue.ipynb").add(
        '{\n "cells": [\n  {\n   "cell_type": "code",\n   "execution_count": 4,\n   "metadata": {},\n   "outputs": [\n'
        '    {\n     "data": {'
    )
    nb.lookalike(f'      "image/png": "{png_base64(rng, 1500)}",', "base64-image")
    nb.add(
        '      "text/plain": [\n       "<Figure size 640x480 with 1 Axes>"\n      ]\n     },\n'
        '     "output_type": "display_data"\n    }\n   ],\n   "source": [\n    "revenue.plot()"\n   ]\n  }\n ],\n'
        ' "metadata": {},\n "nbformat": 4,\n "nbformat_minor": 5\n}'
    )
    return [js, css, html, nb]


def docs(rng: random.Random) -> list[Doc]:
    """Documentation: vendor examples, placeholders and references in prose and snippets."""
    ex, ph, ref = "doc-example", "placeholder", "template-reference"
    guide = Doc("docs/getting-started.md").add(
        "# Getting started\n\nThe services read their credentials from the environment. For local work, copy\n"
        "`.env.example` to `.env` and fill in your own values; never commit the result.\n\n## AWS\n\n"
        "The CLI examples below use the key pair from the AWS documentation:\n\n```bash"
    )
    guide.lookalike("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", ex)
    guide.lookalike("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ex)
    guide.add("aws s3 ls s3://acme-dev-uploads\n```\n\nA second profile, as in the IAM user guide:\n\n```ini\n[dev]")
    guide.lookalike("aws_access_key_id = AKIAI44QH8DHBEXAMPLE", ex)
    guide.lookalike("aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", ex)
    guide.add("```\n\n## Stripe\n\nUse Stripe's test mode. Their docs show requests with this test key:\n\n```bash")
    guide.lookalike("curl https://api.stripe.com/v1/charges -u sk_test_4eC39HqLyjWDarjtT1zdp7dc:", ex)
    guide.add("```\n\nIn production the key comes from the secret store:\n\n```python")
    guide.lookalike('stripe.api_key = os.environ["STRIPE_SECRET_KEY"]', ref)
    guide.add("```\n\n## Tokens\n\nA JSON Web Token looks like the one from jwt.io:\n")
    guide.lookalike(
        "    eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIy"
        "fQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        ex,
    )
    guide.add("\nCall the API with your own token:\n\n```bash")
    guide.lookalike('curl -H "Authorization: Bearer <YOUR_ACCESS_TOKEN>" https://api.acme.io/v2/orders', ph)
    guide.lookalike('curl -u "$JENKINS_USER:$JENKINS_API_TOKEN" https://jenkins.acme.io/api/json', ref)
    guide.add("```\n\nSlack's docs use a token that cannot work:\n")
    guide.lookalike("    SLACK_BOT_TOKEN=xoxb-not-a-real-token-this-will-not-work", ex)
    guide.add("\nGitHub's documentation shows a token like this one in its examples:\n")
    guide.lookalike("    GITHUB_TOKEN=ghp_16C7e42F292c6912E7710c838347Ae178B4a", ex)
    guide.add("\n## Databases\n\nConnection strings have this shape:\n")
    guide.lookalike("    postgresql://user:password@localhost:5432/dbname", ph)
    guide.lookalike("    mongodb+srv://<username>:<password>@cluster0.example.mongodb.net/test", ph)
    guide.lookalike("    mysql://USER:PASSWORD@HOST:3306/DATABASE", ph)
    guide.lookalike("    redis://:<password>@localhost:6379/0", ph)
    guide.add("\nand `DATABASE_URL` in `.env` points at your local container.")
    envex = Doc(".env.example").add("# Copy to .env and fill in. Values here are placeholders.")
    for key, value in (
        ("AWS_ACCESS_KEY_ID", "<your-access-key-id>"),
        ("AWS_SECRET_ACCESS_KEY", "<your-secret-access-key>"),
        ("STRIPE_SECRET_KEY", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_..."),
        ("GITHUB_TOKEN", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("SLACK_BOT_TOKEN", "xoxb-your-bot-token"),
        ("SENDGRID_API_KEY", "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("OPENAI_API_KEY", "sk-..."),
        ("ANTHROPIC_API_KEY", "your-anthropic-api-key"),
        ("DATABASE_URL", "postgresql://postgres:postgres@localhost:5432/orders"),
        ("REDIS_URL", "redis://localhost:6379/0"),
        ("DB_PASSWORD", "changeme"),
        ("ADMIN_PASSWORD", "CHANGE_ME"),
        ("JWT_SECRET", "replace-with-a-long-random-string"),
        ("DD_API_KEY", "<datadog-api-key>"),
        ("TWILIO_AUTH_TOKEN", "your_auth_token"),
        ("SECRET_KEY", "dev-only-not-secret"),
        ("MAILGUN_API_KEY", "key-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("NPM_TOKEN", ""),
    ):
        envex.lookalike(f"{key}={value}", ph)
    readme = Doc("services/payments/README.md").add(
        "# payments\n\nTalks to Stripe and Adyen. Configure it with environment variables:\n\n"
        "| variable | example |\n| --- | --- |"
    )
    for key, value in (
        ("STRIPE_SECRET_KEY", "`sk_live_...` (from the dashboard)"),
        ("ADYEN_API_KEY", "`AQE...` (ask #payments)"),
        ("PAYMENTS_DB_PASSWORD", "see 1Password, vault *Payments*"),
        ("PAYPAL_CLIENT_SECRET", "`<client secret>`"),
    ):
        readme.lookalike(f"| `{key}` | {value} |", ph)
    readme.add("\nRun `make run` and open http://localhost:8080/healthz.")
    return [guide, envex, readme]


def references(rng: random.Random) -> list[Doc]:
    """Values held in secret managers and templates: the files name them, they do not contain them."""
    ref, sm = "template-reference", "secret-manager-reference"
    ext = Doc("infra/k8s/prod/external-secrets.yaml").add(
        "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n  name: billing\n"
        "  namespace: production\n"
        "spec:\n  refreshInterval: 1h\n  secretStoreRef:\n    name: aws-secrets-manager\n    kind: ClusterSecretStore\n"
        "  target:\n    name: billing-env\n  data:"
    )
    for name, path in (
        ("STRIPE_SECRET_KEY", "prod/billing/stripe"),
        ("DATABASE_PASSWORD", "prod/billing/db"),
        ("SENDGRID_API_KEY", "prod/billing/sendgrid"),
    ):
        ext.add(f"    - secretKey: {name}\n      remoteRef:")
        ext.lookalike(f"        key: {path}\n        property: {name.lower()}", sm)
    deploy = Doc("infra/k8s/prod/billing-deployment.yaml").add(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: billing\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: billing\n          image: registry.acme.io/billing:5.2.1\n          env:"
    )
    for name in ("STRIPE_SECRET_KEY", "DATABASE_PASSWORD", "SENDGRID_API_KEY"):
        deploy.add(f"            - name: {name}\n              valueFrom:\n                secretKeyRef:")
        deploy.lookalike(f"                  name: billing-env\n                  key: {name}", ref)
    cfn = Doc("infra/cloudformation/orders-db.yaml").add(
        "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  DBUser:\n    Type: String\n    Default: orders_app\n"
        "  DBPassword:\n    Type: String\n    NoEcho: true\nResources:\n  OrdersDB:\n    Type: AWS::RDS::DBInstance\n"
        "    Properties:\n      Engine: postgres\n      MasterUsername: !Ref DBUser"
    )
    cfn.lookalike("      MasterUserPassword: '{{resolve:secretsmanager:prod/orders/db:SecretString:password}}'", sm)
    cfn.add(
        "  ReportingUser:\n    Type: AWS::IAM::User\n  ReportingKey:\n    Type: AWS::IAM::AccessKey\n"
        "    Properties:\n      UserName: !Ref ReportingUser\nOutputs:\n  ReportingSecret:"
    )
    cfn.lookalike("    Value: !GetAtt ReportingKey.SecretAccessKey", ref)
    ansible = Doc("deploy/ansible/group_vars/production.yml").add("---\napp_user: shop\napp_port: 8080")
    ansible.lookalike('db_password: "{{ vault_db_password }}"', ref)
    ansible.lookalike(
        "stripe_secret_key: \"{{ lookup('community.hashi_vault.hashi_vault', 'secret=kv/data/shop:stripe') }}\"", sm
    )
    ansible.lookalike(
        "smtp_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  " + "\n  ".join(rand(rng, "d", 80) for _ in range(4)),
        ref,
    )
    ansible.add("app_workers: 4")
    helm = Doc("infra/helm/shop/values.yaml").add(
        "replicaCount: 3\nimage:\n  repository: registry.acme.io/shop\n  tag: 5.2.1\nsecrets:"
    )
    for key, value in (
        ("databasePassword", '""  # set with --set-file or from the ExternalSecret'),
        ("stripeSecretKey", "{{ .Values.global.stripeSecretKey }}"),
        ("sessionSecret", "{{ randAlphaNum 48 | b64enc | quote }}"),
    ):
        helm.lookalike(f"  {key}: {value}", ref)
    sops = Doc("deploy/sops/production.enc.yaml")
    for key in ("db_password", "stripe_secret_key", "jwt_secret"):
        sops.lookalike(
            f"{key}: ENC[AES256_GCM,data:{b64(rng.randbytes(30))},iv:{b64(rng.randbytes(32))},"
            f"tag:{b64(rng.randbytes(16))},type:str]",
            "encrypted-value",
        )
    sops.add("sops:\n    kms: []\n    age:\n        - recipient: age1" + rand(rng, "B", 58).lower())
    sops.lookalike(
        f"    mac: ENC[AES256_GCM,data:{b64(rng.randbytes(48))},iv:{b64(rng.randbytes(32))},"
        f"tag:{b64(rng.randbytes(16))},type:str]",
        "encrypted-value",
    )
    sops.add("    version: 3.8.1")
    pub = Doc("keys/backup/archive-signing.pub.asc")
    pub.lookalike(
        pem(rng, "PGP PUBLIC KEY BLOCK", 500, b"\x99\x01\x8d\x04").replace("BLOCK-----\n", "BLOCK-----\n\n", 1),
        "public-key",
    )
    jwks = Doc("services/gateway/jwks.json").add('{\n  "keys": [\n    {')
    jwks.lookalike(
        f'      "kty": "RSA",\n      "kid": "{rand(rng, "a", 12)}",\n      "use": "sig",\n      "alg": "RS256",\n'
        f'      "n": "{b64url(rng.randbytes(256))}",\n      "e": "AQAB"',
        "public-key",
    )
    jwks.add("    }\n  ]\n}")
    return [ext, deploy, cfn, ansible, helm, sops, pub, jwks]


# -- assignment hosts and the look-alikes placed among the secrets ---------------------------------

HOSTS: tuple[tuple[str, str, str, str], ...] = (
    # path, type, service, section
    ("services/billing/billing/settings.py", "py", "billing", "production"),
    ("services/billing/.env", "env", "billing", "production"),
    ("services/billing/config/production.yaml", "yaml", "billing", "billing"),
    ("services/billing/Dockerfile", "dockerfile", "billing", "production"),
    ("services/notifier/notifier/config.py", "py", "notifier", "production"),
    ("services/notifier/.env.production", "env", "notifier", "production"),
    ("services/analytics/analytics/settings/prod.py", "py", "analytics", "production"),
    ("services/analytics/config.toml", "toml", "analytics", "warehouse"),
    ("services/analytics/Dockerfile", "dockerfile", "analytics", "production"),
    ("services/storefront/config/default.js", "js", "storefront", "production"),
    ("services/storefront/src/config.ts", "ts", "storefront", "production"),
    ("services/storefront/.env.local", "env", "storefront", "production"),
    ("services/storefront/Dockerfile", "dockerfile", "storefront", "production"),
    ("services/search/src/settings.js", "js", "search", "production"),
    ("services/search/config/production.json", "json", "search", "production"),
    ("services/search/src/providers.ts", "ts", "search", "production"),
    ("services/payments/internal/config/config.go", "go", "payments", "production"),
    ("services/payments/config.yaml", "yaml", "payments", "payments"),
    ("services/gateway/internal/secrets/secrets.go", "go", "gateway", "production"),
    ("services/orders/src/main/resources/application.properties", "properties", "orders", "production"),
    ("services/orders/src/main/resources/application-prod.yml", "yaml", "orders", "orders"),
    ("services/orders/src/main/java/com/acme/orders/OrdersSettings.java", "java", "orders", "production"),
    ("services/ledger/src/main/java/com/acme/ledger/LedgerSettings.java", "java", "ledger", "production"),
    ("services/ledger/src/main/resources/config.properties", "properties", "ledger", "production"),
    ("services/catalog/config/initializers/providers.rb", "rb", "catalog", "production"),
    ("services/catalog/config/settings.yml", "yaml", "catalog", "production"),
    ("services/catalog/lib/catalog/settings.rb", "rb", "catalog", "production"),
    ("services/shop/config/services.php", "php", "shop", "production"),
    ("services/shop/config/app.php", "php", "shop", "production"),
    ("services/admin/appsettings.Production.json", "json", "admin", "production"),
    ("services/admin/Web.config", "xml", "admin", "production"),
    ("services/admin/Settings.cs", "cs", "admin", "production"),
    ("services/admin/Infrastructure/Secrets.cs", "cs", "admin-infrastructure", "production"),
    ("services/reports/App.config", "xml", "reports", "production"),
    ("services/reports/appsettings.json", "json", "reports", "production"),
    ("infra/terraform/prod/locals.tf", "tf", "prod", "production"),
    ("infra/terraform/staging/locals.tf", "tf", "staging", "staging"),
    ("infra/terraform/modules/observability/defaults.tf", "tf", "observability", "production"),
    ("infra/k8s/prod/billing-env.yaml", "k8s", "billing", "production"),
    ("infra/k8s/prod/storefront-env.yaml", "k8s", "storefront", "production"),
    ("infra/k8s/staging/platform-env.yaml", "k8s", "platform", "staging"),
    ("infra/k8s/prod/orders-deployment.yaml", "k8sdeploy", "orders", "production"),
    ("infra/k8s/prod/worker-deployment.yaml", "k8sdeploy", "worker", "production"),
    ("deploy/docker-compose.yml", "compose", "shop", "production"),
    ("deploy/docker-compose.prod.yml", "compose", "worker", "production"),
    ("deploy/env/production.env", "env", "platform", "production"),
    ("deploy/env/staging.env", "env", "platform", "staging"),
    ("deploy/scripts/env.sh", "sh", "shop", "production"),
    ("deploy/scripts/backup-env.sh", "sh", "backup", "production"),
    (".github/workflows/release.yml", "gha", "release", "production"),
    (".github/workflows/deploy.yml", "gha", "deploy", "production"),
    (".gitlab-ci.yml", "gitlab", "platform", "production"),
    ("ci/gitlab/integration.gitlab-ci.yml", "gitlab", "integration", "staging"),
    ("tools/sync/sync.ini", "ini", "sync", "sync"),
    ("tools/reports/settings.ini", "ini", "reports", "reports"),
    ("tools/etl/etl.toml", "toml", "etl", "sources"),
)
PAIRS = {"aws-secret-access-key": "aws-access-key-id", "alibaba-access-key-secret": "alibaba-access-key-id"}

PLACEHOLDER_VALUES = (
    "changeme",
    "<your-api-key>",
    "REPLACE_ME",
    "your-token-here",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "TODO",
    "<password>",
    "CHANGE_ME_IN_PROD",
    "********",
    "none",
    "dummy",
    "insert-key-here",
)
SECRET_KEYS = (
    "DB_PASSWORD",
    "STRIPE_SECRET_KEY",
    "GITHUB_TOKEN",
    "API_KEY",
    "SMTP_PASSWORD",
    "SLACK_BOT_TOKEN",
    "SENDGRID_API_KEY",
    "JWT_SECRET",
    "ADMIN_PASSWORD",
    "OPENAI_API_KEY",
    "CLIENT_SECRET",
    "DD_API_KEY",
)
MANAGER_REFS = (
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/{svc}/db-password-Xk2p9Q",
    "vault:secret/data/{svc}#api_key",
    "@Microsoft.KeyVault(SecretUri=https://acme-kv.vault.azure.net/secrets/{svc}-db/)",
    "projects/acme-prod-4821/secrets/{svc}-api-key/versions/latest",
    "op://Production/{svc}/credential",
    "ssm:/prod/{svc}/db_password",
    "sm://acme/prod/{svc}/stripe",
)


def public_identifier(rng: random.Random) -> tuple[str, str]:
    """Identifiers that ship to browsers or name an account; publishing them is by design."""
    return rng.choice(
        (
            ("STRIPE_PUBLISHABLE_KEY", expand(rng, "pk_live_51{A:97}")),
            ("GOOGLE_CLIENT_ID", expand(rng, "{d:12}-{a:32}.apps.googleusercontent.com")),
            ("TWILIO_ACCOUNT_SID", expand(rng, "AC{h:32}")),
            ("ALGOLIA_APP_ID", expand(rng, "{U:10}")),
            ("AWS_ACCOUNT_ID", expand(rng, "{d:12}")),
            ("OKTA_CLIENT_ID", expand(rng, "0oa{A:17}")),
            ("RECAPTCHA_SITE_KEY", expand(rng, "6L{s:38}")),
            ("GA_MEASUREMENT_ID", expand(rng, "G-{U:10}")),
            ("STRIPE_PRICE_ID", expand(rng, "price_1{A:23}")),
            ("SENTRY_ORG_SLUG", "acme-corp"),
        )
    )


def lookalike_entry(rng: random.Random, host: Host) -> Entry:
    """A random not-a-secret assignment suited to the host type."""
    kind = rng.choice(
        (
            "placeholder",
            "template-reference",
            "template-reference",
            "secret-manager-reference",
            "public-identifier",
            "public-identifier",
            "uuid",
            "git-sha",
            "checksum",
        )
    )
    if kind == "placeholder":
        return Entry(rng.choice(SECRET_KEYS), rng.choice(PLACEHOLDER_VALUES), {"kind": kind}, False)
    if kind == "template-reference":
        key = rng.choice(SECRET_KEYS)
        return Entry(key, reference(host.type, key), {"kind": kind}, False, raw=True)
    if kind == "secret-manager-reference":
        key = rng.choice(("DB_PASSWORD", "API_KEY", "STRIPE_SECRET_KEY", "SMTP_PASSWORD"))
        return Entry(key, rng.choice(MANAGER_REFS).format(svc=host.svc), {"kind": kind}, False)
    if kind == "public-identifier":
        key, value = public_identifier(rng)
        return Entry(key, value, {"kind": kind}, False)
    if kind == "uuid":
        return Entry(
            rng.choice(
                (
                    "AZURE_TENANT_ID",
                    "AZURE_SUBSCRIPTION_ID",
                    "AZURE_CLIENT_ID",
                    "WORKSPACE_ID",
                    "DATADOG_DASHBOARD_ID",
                    "KEYCLOAK_REALM_ID",
                )
            ),
            uuid4(rng),
            {"kind": kind},
            False,
        )
    if kind == "git-sha":
        return Entry(
            rng.choice(("GIT_COMMIT", "BUILD_REVISION", "RELEASE_SHA", "CHART_COMMIT")),
            rand(rng, "h", 40),
            {"kind": kind},
            False,
        )
    return Entry(
        rng.choice(("ARTIFACT_SHA256", "BUNDLE_CHECKSUM", "MIGRATIONS_DIGEST", "GEOIP_DB_SHA256")),
        rand(rng, "h", 64),
        {"kind": kind},
        False,
    )


def place_secrets(rng: random.Random, hosts: list[Host]) -> None:
    """Every assignment format, `count` times, into compatible hosts (the least filled first)."""
    placed: dict[tuple[str, int], Host] = {}
    for fmt in FORMATS:
        for i in range(fmt.count):
            partner = placed.get((PAIRS.get(fmt.name, ""), i))
            fits = [h for h in hosts if h.type in fmt.hosts or (fmt.hosts is ASSIGN and h.type == "k8sdeploy")]
            if partner is not None:
                fits = [partner]
            free = [h for h in fits if any(k not in {e.key for e in h.entries} for k in fmt.keys)] or fits
            low = min(len(h.entries) for h in free)
            host = rng.choice([h for h in free if len(h.entries) <= low + 1])
            taken = {e.key for e in host.entries}
            keys = [k for k in fmt.keys if k not in taken] or [f"SECONDARY_{fmt.keys[0]}"]
            label = {"format": fmt.name, "provider": fmt.provider, "family": fmt.family}
            host.entries.append(Entry(rng.choice(keys), fmt.make(rng), label, True))
            placed[(fmt.name, i)] = host


def place_lookalikes(rng: random.Random, hosts: list[Host], per_host: int) -> None:
    for host in hosts:
        for _ in range(per_host):
            taken = {e.key for e in host.entries}
            for _attempt in range(10):
                entry = lookalike_entry(rng, host)
                if entry.key not in taken:
                    host.entries.insert(rng.randint(0, len(host.entries)), entry)
                    break


def infra_identifiers(rng: random.Random) -> list[Doc]:
    """Resource ids, fingerprints, ciphertext and code that handles secrets without holding one."""
    sealed = Doc("infra/k8s/prod/payments-sealedsecret.yaml").add(
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: payments-env\n"
        "  namespace: production\n"
        "spec:\n  encryptedData:"
    )
    for key in ("ADYEN_API_KEY", "DATABASE_PASSWORD", "PAYPAL_CLIENT_SECRET"):
        sealed.lookalike(f"    {key}: AgB{b64(rng.randbytes(500))}", "encrypted-value")
    sealed.add("  template:\n    metadata:\n      name: payments-env")
    hook = Doc("infra/k8s/prod/admission-webhook.yaml").add(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: policy\n"
        "webhooks:\n  - name: policy.acme.io\n    clientConfig:\n      service:\n        name: policy\n"
        "        namespace: platform"
    )
    hook.lookalike(f"      caBundle: {b64((certificate(rng) + chr(10)).encode())}", "certificate")
    hook.add("    admissionReviewVersions: [v1]\n    sideEffects: None")
    net = Doc("infra/terraform/prod/database.tf").add(
        'resource "random_password" "orders_db" {\n  length  = 32\n  special = true\n}\n\n'
        'resource "aws_db_instance" "orders" {\n  identifier     = "orders-prod"\n'
        '  engine         = "postgres"\n  instance_class = "db.r6g.large"\n  username       = "orders_app"'
    )
    net.lookalike("  password       = random_password.orders_db.result", "template-reference")
    net.lookalike(f'  kms_key_id     = "arn:aws:kms:eu-west-1:{rand(rng, "d", 12)}:key/{uuid4(rng)}"', "uuid")
    net.lookalike(f'  vpc_security_group_ids = ["sg-0{rand(rng, "h", 16)}"]', "resource-id")
    net.add('}\n\nresource "aws_secretsmanager_secret" "orders_db" {')
    net.lookalike('  name = "prod/orders/db-password"', "secret-manager-reference")
    net.add('}\n\ndata "aws_ami" "base" {\n  most_recent = true\n  owners      = ["amazon"]\n}\n\nlocals {')
    net.lookalike(f'  golden_ami     = "ami-0{rand(rng, "h", 16)}"', "resource-id")
    net.lookalike(f'  hosted_zone_id = "Z0{rand(rng, "U", 19)}"', "resource-id")
    net.lookalike(f'  certificate    = "arn:aws:acm:us-east-1:{rand(rng, "d", 12)}:certificate/{uuid4(rng)}"', "uuid")
    net.lookalike(f'  distribution   = "E{rand(rng, "U", 13)}"', "resource-id")
    net.add("}")
    hooks = Doc("docs/webhooks.md").add(
        "# Verifying webhooks\n\nStripe signs each event. The header in Stripe's docs looks like this:\n"
    )
    hooks.lookalike(
        "    Stripe-Signature: t=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd",
        "doc-example",
    )
    hooks.add("\nGitHub sends the HMAC of the body in `X-Hub-Signature-256`, for example:\n")
    hooks.lookalike(f"    X-Hub-Signature-256: sha256={rand(rng, 'h', 64)}", "checksum")
    hooks.add(
        "\nCompare with `hmac.compare_digest`; the secret itself comes from `STRIPE_WEBHOOK_SECRET`.\n\n"
        "Host keys of the webhook relays (check them before the first connection):\n"
    )
    for host in ("relay-1.acme.io", "relay-2.acme.io"):
        hooks.lookalike(f"    256 SHA256:{b64(rng.randbytes(32)).rstrip('=')} root@{host} (ED25519)", "public-key")
    auth = Doc("services/billing/billing/auth.py").add(
        '"""Log-in and API keys for the billing dashboard."""\n\nimport hmac\nimport secrets\n\nimport bcrypt\n'
        "from flask import request\n\nfrom billing import settings\n"
    )
    auth.lookalike('PASSWORD_PATTERN = r"^(?=.*[A-Z])(?=.*[a-z])(?=.*\\d)(?=.*[^\\w\\s]).{12,}$"', "variable-reference")
    auth.add("\n\ndef login() -> bool:")
    auth.lookalike('    password = request.form["password"]', "variable-reference")
    auth.lookalike("    stored_hash = settings.ADMIN_PASSWORD_HASH", "variable-reference")
    auth.add("    return bcrypt.checkpw(password.encode(), stored_hash)\n\n\ndef new_api_key() -> str:")
    auth.lookalike("    api_key = secrets.token_urlsafe(32)", "variable-reference")
    auth.add("    return api_key\n\n\ndef verify(body: bytes, signature: str) -> bool:")
    auth.lookalike("    secret = settings.STRIPE_WEBHOOK_SECRET.encode()", "variable-reference")
    auth.add(
        '    expected = hmac.new(secret, body, "sha256").hexdigest()\n'
        '    return hmac.compare_digest(expected, signature)'
    )
    lfs = []
    for name in ("hero.psd", "catalog-2024.pdf", "onboarding.mp4"):
        pointer = Doc(f"assets/media/{name}").add("version https://git-lfs.github.com/spec/v1")
        pointer.lookalike(f"oid sha256:{rand(rng, 'h', 64)}", "checksum").add(f"size {rng.randint(10**5, 10**8)}")
        lfs.append(pointer)
    apt = Doc("tools/runner/Dockerfile").add("FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y gnupg curl")
    apt.lookalike(f"RUN gpg --keyserver hkps://keyserver.ubuntu.com --recv-keys {rand(rng, 'H', 40)}", "public-key")
    apt.lookalike(f"ENV RUNNER_SHA256={rand(rng, 'h', 64)}", "checksum")
    apt.add('COPY entrypoint.sh /entrypoint.sh\nENTRYPOINT ["/entrypoint.sh"]')
    return [sealed, hook, net, hooks, auth, *lfs, apt]


def encoded_secrets(rng: random.Random) -> list[Doc]:
    """A Kubernetes Secret with `data:`: each value base64 of the credential, as kubectl writes it."""
    doc = Doc("infra/k8s/prod/shop-secret.yaml").add(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: shop\n  namespace: production\ntype: Opaque\ndata:"
    )
    for key, fmt in (
        ("STRIPE_SECRET_KEY", "stripe-secret-key"),
        ("GITHUB_TOKEN", "github-pat-classic"),
        ("DATABASE_URL", "postgres-uri"),
        ("SENDGRID_API_KEY", "sendgrid-api-key"),
    ):
        spec = next(f for f in FORMATS if f.name == fmt)
        doc.secret(f"  {key}: {b64(spec.make(rng).encode())}", f"{fmt}-base64", spec.provider, spec.family)
    doc.secret(f"  DB_PASSWORD: {b64(password(rng).encode())}", "generic-password-base64", "generic", "generic")
    return [doc]


# -- the whole corpus ------------------------------------------------------------------------------

WHOLE_FILES: tuple[Callable[[random.Random], list[Doc]], ...] = (
    key_files,
    credential_files,
    scripts,
    lockfiles,
    checksums_and_shas,
    dotnet_project,
    web_assets,
    docs,
    references,
    infra_identifiers,
    encoded_secrets,
)


def build(seed: int = SEED) -> tuple[dict[str, str], dict[str, object]]:
    """File contents by path (relative to the tree) and the labels document."""
    rng = random.Random(seed)
    hosts = [Host(path, kind, svc, section) for path, kind, svc, section in HOSTS]
    place_secrets(rng, hosts)
    place_lookalikes(rng, hosts, per_host=3)
    files: dict[str, str] = {}
    labels: list[dict[str, object]] = []

    def put(path: str, lines: list[str], found: list[dict[str, object]]) -> None:
        if path in files:
            raise ValueError(f"{path} written twice")
        files[path] = "\n".join(lines).rstrip("\n") + "\n"
        labels.extend(found)

    for host in hosts:
        put(host.path, *render_host(host, rng))
    for make in WHOLE_FILES:
        for doc in make(rng):
            put(doc.path, doc.lines, doc.labels)
    labels.sort(key=lambda e: (str(e["path"]), int(str(e["line"]))))
    secrets = [e for e in labels if "format" in e]
    lookalikes = [e for e in labels if "kind" in e]
    document: dict[str, object] = {
        "generator": GENERATOR,
        "seed": seed,
        "tree": TREE,
        "counts": {
            "files": len(files),
            "secrets": len(secrets),
            "formats": len({str(e["format"]) for e in secrets}),
            "lookalikes": len(lookalikes),
            "lookalike_lines": sum(int(str(e["end_line"])) - int(str(e["line"])) + 1 for e in lookalikes),
        },
        "secrets": secrets,
        "lookalikes": lookalikes,
    }
    return dict(sorted(files.items())), document


def write(out: Path, seed: int = SEED) -> dict[str, object]:
    """Replace `out/repo/` and `out/labels.json` with the corpus for `seed`."""
    files, document = build(seed)
    tree = out / TREE
    if tree.exists():
        shutil.rmtree(tree)
    for rel, text in files.items():
        path = tree / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (out / "labels.json").write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for repo/ and labels.json")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    document = write(args.out, args.seed)
    print(json.dumps(document["counts"]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

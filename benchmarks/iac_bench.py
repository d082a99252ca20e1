"""Terraform parsing cost (issue 5): what share of a scan of a Terraform-heavy tree goes to parsing.

Generates a deterministic tree (modules, environments with providers/backends/tfvars, a large
state file, a few planted literal credentials), then scans every file in this process through
the filesystem source's `scan_text` (structure-aware dispatch included), timing the parser
calls: python-hcl2 for `.tf`/`.tfvars`, `json.loads` for `.tf.json` and state.

    python -m benchmarks.iac_bench [--stacks 40] [--state-resources 4000] [--runs 3] [--no-record]

Three modes are measured: the default (HCL parsed only when the text assigns a literal to a
credential-like name), every HCL file parsed (no prefilter), and the plain engine alone.
Results go to benchmarks/RESULTS.md under "## Terraform parsing (issue 5)".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import string
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import load_average, machine_facts, markdown_table, median, publish

HEADING = "## Terraform parsing (issue 5)"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
REPO = Path(__file__).resolve().parents[1]
ALNUM = string.ascii_letters + string.digits


# -- corpus ---------------------------------------------------------------------------------

def _rand(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choices(alphabet, k=n))


def _network_module(rng: random.Random, name: str) -> str:
    subnets = "\n".join(f'''
resource "aws_subnet" "{name}_{i}" {{
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.cidr, 8, {i})
  availability_zone = element(var.azs, {i})
  tags = merge(var.tags, {{ Name = "${{var.name}}-{i}", tier = "{rng.choice(["public", "private"])}" }})
}}''' for i in range(rng.randint(3, 8)))
    return f'''resource "aws_vpc" "this" {{
  cidr_block           = var.cidr
  enable_dns_hostnames = true
  tags                 = merge(var.tags, {{ Name = var.name }})
}}
{subnets}

resource "aws_security_group" "app" {{
  name   = "${{var.name}}-app"
  vpc_id = aws_vpc.this.id
  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }}
  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
'''


def _service_module(rng: random.Random, name: str, planted: bool) -> str:
    token = f'"{_rand(rng, 32)}"' if planted else "var.api_token"
    return f'''resource "aws_iam_role" "{name}" {{
  name = "{name}-${{var.env}}"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "lambda.amazonaws.com" }} }}]
  }})
}}

resource "aws_lambda_function" "{name}" {{
  function_name = "{name}-${{var.env}}"
  role          = aws_iam_role.{name}.arn
  handler       = "main.handler"
  runtime       = "python3.12"
  timeout       = {rng.choice([10, 30, 60])}
  environment {{
    variables = {{
      DB_HOST         = var.db_host
      DB_PASSWORD     = var.db_password
      SECRET_ARN      = aws_secretsmanager_secret.{name}.arn
      API_TOKEN_PARAM = "/${{var.env}}/{name}/api_token"
      API_TOKEN       = {token}
      LOG_LEVEL       = "info"
    }}
  }}
}}

resource "aws_secretsmanager_secret" "{name}" {{
  name       = "${{var.env}}/{name}"
  kms_key_id = var.kms_key_id
}}

resource "aws_secretsmanager_secret_version" "{name}" {{
  secret_id     = aws_secretsmanager_secret.{name}.id
  secret_string = jsonencode({{ password = random_password.{name}.result }})
}}

resource "random_password" "{name}" {{
  length  = 32
  special = false
}}

resource "aws_cloudwatch_log_group" "{name}" {{
  name              = "/aws/lambda/{name}-${{var.env}}"
  retention_in_days = {rng.choice([7, 14, 30, 90])}
}}
'''


def _variables(rng: random.Random) -> str:
    names = ["env", "name", "cidr", "azs", "tags", "db_host", "db_password", "kms_key_id", "api_token"]
    out = []
    for n in names:
        sensitive = "\n  sensitive   = true" if n in ("db_password", "api_token") else ""
        out.append(f'''variable "{n}" {{
  description = "The {n.replace("_", " ")} for this stack"
  type        = {rng.choice(["string", "any"])}{sensitive}
}}
''')
    return "\n".join(out)


def _outputs(name: str) -> str:
    return f'''output "{name}_role_arn" {{
  value = aws_iam_role.{name}.arn
}}

output "{name}_secret_arn" {{
  value = aws_secretsmanager_secret.{name}.arn
}}
'''


def _providers(rng: random.Random, env: str, planted: bool) -> str:
    creds = (f'  access_key = "AKIA{_rand(rng, 16, string.ascii_uppercase + "234567")}"\n'
             f'  secret_key = "{_rand(rng, 40, ALNUM + "+/")}"\n') if planted else \
        "  access_key = var.aws_access_key\n  secret_key = var.aws_secret_key\n"
    return f'''terraform {{
  backend "s3" {{
    bucket = "acme-terraform-state"
    key    = "{env}/terraform.tfstate"
    region = "eu-west-1"
  }}
}}

provider "aws" {{
  region = "eu-west-1"
{creds}}}
'''


def _tfvars(rng: random.Random, env: str, planted: bool) -> str:
    secret = f'db_password = "{_rand(rng, 20)}"\n' if planted else 'db_password = ""\n'
    return f'env = "{env}"\ncidr = "10.{rng.randint(0, 255)}.0.0/16"\nkms_key_id = "alias/{env}"\n{secret}'


def _state(rng: random.Random, resources: int) -> str:
    res = []
    for i in range(resources):
        kind = rng.choice(["aws_subnet", "aws_security_group", "aws_iam_role", "aws_lambda_function",
                           "random_password", "aws_iam_access_key"])
        attrs: dict[str, Any] = {"id": f"{kind}-{i}-{_rand(rng, 8).lower()}", "arn": f"arn:aws:x:::{kind}/{i}",
                                 "tags": {"Name": f"r{i}", "env": "prod"}, "name": f"{kind}-{i}"}
        if kind == "aws_security_group":
            attrs["ingress"] = [{"from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/16"],
                                 "description": "https"} for _ in range(4)]
        if kind == "aws_iam_role":
            attrs["assume_role_policy"] = json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]})
        if kind == "random_password":
            attrs["result"] = _rand(rng, 24)
        if kind == "aws_iam_access_key":
            attrs.update({"id": "AKIA" + _rand(rng, 16, string.ascii_uppercase + "234567"),
                          "secret": _rand(rng, 40, ALNUM + "+/"), "user": f"svc-{i}"})
        res.append({"mode": "managed", "type": kind, "name": f"r{i}", "provider": "provider[\"aws\"]",
                    "instances": [{"schema_version": 0, "attributes": attrs, "sensitive_attributes": []}]})
    return json.dumps({"version": 4, "terraform_version": "1.7.5", "serial": 1, "lineage": "bench",
                       "outputs": {}, "resources": res}, indent=2) + "\n"


def generate(root: Path, stacks: int, state_resources: int, planted_every: int = 10,
             seed: int = 5) -> dict[str, int]:
    rng = random.Random(seed)
    files = 0

    def put(rel: str, text: str) -> None:
        nonlocal files
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        files += 1

    for m in range(stacks):
        name = f"svc{m:03d}"
        put(f"modules/{name}/main.tf", _service_module(rng, name, m % planted_every == 0))
        put(f"modules/{name}/network.tf", _network_module(rng, name))
        put(f"modules/{name}/variables.tf", _variables(rng))
        put(f"modules/{name}/outputs.tf", _outputs(name))
    for e in range(stacks):
        env = f"env{e:03d}"
        planted = e % planted_every == 0  # one stack in `planted_every` holds literal credentials
        put(f"environments/{env}/providers.tf", _providers(rng, env, planted))
        put(f"environments/{env}/main.tf", "\n".join(
            f'module "svc{m:03d}" {{\n  source = "../../modules/svc{m:03d}"\n  env = "{env}"\n'
            f'  db_password = var.db_password\n}}\n' for m in rng.sample(range(stacks), 5)))
        put(f"environments/{env}/variables.tf", _variables(rng))
        put(f"environments/{env}/terraform.tfvars", _tfvars(rng, env, planted))
    put("state/prod/terraform.tfstate", _state(rng, state_resources))
    return {"files": files, "bytes": sum(p.stat().st_size for p in root.rglob("*") if p.is_file())}


def _commit() -> str:
    """The keysweep commit measured, marked when scanner/ or rules/ have uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()
    dirty = git("status", "--porcelain", "--", "scanner", "rules")
    return git("rev-parse", "--short", "HEAD") + (" + uncommitted changes in scanner/rules" if dirty else "")


# -- measuring ------------------------------------------------------------------------------

@dataclass
class Timer:
    seconds: float = 0.0
    calls: int = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t
                self.calls += 1
        return timed


@dataclass
class Run:
    total: float
    hcl_files: float = 0.0  # scan time of the .tf/.tfvars files alone
    hcl: Timer = field(default_factory=Timer)
    json: Timer = field(default_factory=Timer)
    findings: int = 0


@contextlib.contextmanager
def _patched(mode: str, run: Run) -> Iterator[None]:
    """Time the parser entry points. Modes: "default"; "whole" parses a triggered file whole instead
    of only its triggered blocks; "all" parses every HCL file whole; "plain" skips the structure."""
    import scanner.iac as iac
    from scanner.iac import prefilter, terraform, tfstate

    saved = (terraform.parse_hcl, terraform.parse_json, tfstate.load_state, prefilter.triggers,
             terraform._parse_blocks, iac.scan_structured)
    terraform.parse_hcl = run.hcl.wrap(terraform.parse_hcl)
    terraform.parse_json = run.json.wrap(terraform.parse_json)
    tfstate.load_state = run.json.wrap(tfstate.load_state)
    if mode in ("whole", "all"):
        terraform._parse_blocks = lambda text, offsets: None
    if mode == "all":
        prefilter.triggers = lambda text, tfvars=False: [0]
    if mode == "plain":
        iac.scan_structured = lambda path, text, engine: None
    try:
        yield
    finally:
        (terraform.parse_hcl, terraform.parse_json, tfstate.load_state, prefilter.triggers,
         terraform._parse_blocks, iac.scan_structured) = saved


def scan_tree(root: Path, mode: str) -> Run:
    from scanner.engine import Engine
    from scanner.rules import load_builtin_rules
    from scanner.sources.files import scan_text

    engine = Engine(load_builtin_rules())
    engine.compile_all()
    texts = [(str(p), p.read_text()) for p in sorted(root.rglob("*")) if p.is_file()]
    run = Run(0.0)
    with _patched(mode, run):
        t = time.perf_counter()
        for path, text in texts:
            t_file = time.perf_counter()
            run.findings += len(scan_text(engine, path, text))
            if path.endswith((".tf", ".tfvars")):
                run.hcl_files += time.perf_counter() - t_file
        run.total = time.perf_counter() - t
    return run


_LABELS = {"default": "structure-aware: prefilter, triggered blocks parsed (default)",
           "whole": "structure-aware: prefilter, triggered files parsed whole",
           "all": "structure-aware: every HCL file parsed whole",
           "plain": "plain engine only (no structure)"}
_HEADERS = ["mode", "scan s", "of which .tf/.tfvars s", "HCL parse s", "HCL parse calls", "JSON parse s",
            "parse share", "HCL parse / .tf+.tfvars scan", "findings"]


def scenario(stacks: int, state_resources: int, planted_every: int, runs: int) -> tuple[str, str]:
    """(description, table) for one generated tree."""
    with tempfile.TemporaryDirectory(prefix="keysweep-iac-bench-") as tmp:
        root = Path(tmp)
        size = generate(root, stacks, state_resources, planted_every)
        hcl_files = sum(1 for p in root.rglob("*") if p.suffix in (".tf", ".tfvars"))
        scan_tree(root, "default")  # warm-up: imports, grammar cache, rule compilation
        results: dict[str, list[Run]] = {mode: [] for mode in _LABELS}
        for _ in range(runs):
            for mode, out in results.items():
                out.append(scan_tree(root, mode))
    rows = []
    for mode, measured in results.items():
        total = median([r.total for r in measured])
        hcl = median([r.hcl.seconds for r in measured])
        js = median([r.json.seconds for r in measured])
        hcl_total = median([r.hcl_files for r in measured])
        share = (hcl + js) / total * 100 if total else 0.0
        hcl_share = hcl / hcl_total * 100 if hcl_total else 0.0
        rows.append((_LABELS[mode], f"{total:.2f}", f"{hcl_total:.2f}", f"{hcl:.3f}", measured[0].hcl.calls,
                     f"{js:.3f}", f"{share:.1f} %", f"{hcl_share:.1f} %", measured[0].findings))
    what = (f"{size['files']} files, {size['bytes'] / 1e6:.1f} MB ({hcl_files} `.tf`/`.tfvars`, one state file "
            f"with {state_resources} resources); one stack in {planted_every} holds literal credentials (in its "
            f"providers, tfvars and one module)")
    return what, markdown_table(_HEADERS, rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stacks", type=int, default=40, help="modules and environments (4 files each)")
    ap.add_argument("--state-resources", type=int, default=4000)
    ap.add_argument("--planted-every", type=int, default=10, help="one stack in N has literal credentials")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-record", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args()

    load_before = load_average()
    typical = scenario(args.stacks, args.state_resources, args.planted_every, args.runs)
    dense = scenario(args.stacks, args.state_resources, 1, args.runs)
    load_after = load_average()
    facts = machine_facts()
    body = "\n".join([
        f"Single process, every file through `scan_text` (the filesystem source's per-file call); median of "
        f"{args.runs} runs after a warm-up. Machine: {'; '.join(f'{k} {v}' for k, v in facts.items())}. "
        f"Load average before: {load_before}; after: {load_after} (shared machine). keysweep at {_commit()}.",
        "",
        f"**Typical tree** (the target): {typical[0]}.",
        "",
        typical[1],
        "",
        f"**Dense tree** (worst case for the prefilter): {dense[0]}.",
        "",
        dense[1],
        "",
        "*Parse share* is (HCL parse + JSON decode of `.tf.json` and state) / scan time. Target: at most 10 % "
        "in the default mode. The next column leaves the state file out: HCL parse time over the scan time "
        "of the `.tf`/`.tfvars` files alone. The prefilter parses a `.tf`/`.tfvars` file only when a "
        "credential-like name is assigned an expression with a literal string on the same line, a variable "
        "or output named like a secret (or `sensitive = true`) has a literal default/value, or a "
        "secret-payload resource type is given a literal; otherwise the plain engine gives the same "
        "findings (structural rules cannot fire). Of a triggered file only the top-level blocks that hold "
        "a trigger are parsed; the rest goes to the plain engine.",
    ])
    publish(body, HEADING, RESULTS, not args.no_record)


if __name__ == "__main__":
    main()

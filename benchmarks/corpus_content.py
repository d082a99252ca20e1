"""Filler text for the benchmark corpus: source, config, infrastructure and docs.

Every generator takes a seeded ``random.Random`` and a byte budget and returns
lines (no trailing newlines). Text is assembled from small templates whose
fields (identifiers, numbers, words) are drawn from the generator, so files look
like code and config without containing anything secret-shaped on purpose.
Blocks end with an empty line; secrets are planted at those boundaries.
"""

from __future__ import annotations

import base64
import random
import string
from collections.abc import Callable


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


WORDS = _words(
    "account address admin agent alert api archive asset audit auth backup balance batch billing "
    "bucket buffer build bundle cache campaign cart catalog channel checkout client cluster config "
    "connection consumer contract counter coupon customer dashboard data debug delivery deploy device "
    "digest discount document domain draft email endpoint engine entry event export feature feed "
    "filter flag form gateway graph group handler health history host image import index invoice "
    "item job journal key label ledger limit listing loader locale log manager member merchant "
    "message metric mode model module monitor node notice order owner packet page partner payload "
    "payment peer permission pipeline plan policy pool portal price process product profile project "
    "provider queue quota rate record region registry release report request resource response "
    "result review role route rule runner sample schedule schema scope search segment sender "
    "service session setting shard shipment signal snapshot source stage state status storage "
    "stream subscription summary supplier sync table target task team template tenant ticket "
    "timer token topic trace tracker transfer trigger upload usage user vendor version view "
    "voucher warehouse webhook widget worker workflow zone"
)
VERBS = _words(
    "add apply build check clean close collect compute create decode delete emit encode fetch "
    "filter find flush format handle index init list load lookup merge normalize open parse "
    "process publish push read refresh register remove render reset resolve retry save scan "
    "schedule send serialize set sort split start stop store submit sync track transform update "
    "upload validate verify watch write"
)
HOSTS = ("db", "cache", "queue", "search", "api", "auth", "billing", "events", "metrics", "storage")
TLDS = ("internal", "svc.cluster.local", "corp.example.net", "prod.example.org")
_HEX = "0123456789abcdef"
_B64 = string.ascii_letters + string.digits + "+/"

Lines = list[str]


class Fields(dict[str, str]):
    """Template fields, drawn fresh for each block."""

    def __init__(self, rng: random.Random) -> None:
        w = rng.sample(WORDS, 4)
        v = rng.choice(VERBS)
        super().__init__(
            a=f"{w[0]}_{w[1]}",
            b=f"{v}_{w[2]}",
            c=w[3],
            d=f"{w[1]}_{w[3]}",
            A=w[0].capitalize() + w[1].capitalize(),
            B=w[2].capitalize() + w[3].capitalize(),
            C=v.capitalize() + w[0].capitalize(),
            x=v + w[2].capitalize(),
            y=w[1] + w[3].capitalize(),
            k=f"{w[0]}_{w[2]}".upper(),
            w=w[2],
            v=v,
            n=str(rng.randrange(2, 500)),
            m=str(rng.randrange(1000, 65000)),
            h="".join(rng.choices(_HEX, k=8)),
            s=f"{v.capitalize()} the {w[0]} {w[1]} for each {w[3]} in the {w[2]}",
            host=f"{rng.choice(HOSTS)}-{rng.randrange(1, 9)}.{rng.choice(TLDS)}",
            p=f"{w[0]}/{w[1]}/{w[2]}",
        )


def _templates(text: str) -> tuple[str, ...]:
    """Split a template bank on lines holding only '~~'; each piece is one block."""
    return tuple(piece.strip("\n") + "\n" for piece in text.split("\n~~\n"))


def fill(rng: random.Random, bank: tuple[str, ...], size: int, header: str = "", footer: str = "") -> Lines:
    """Concatenate random blocks from `bank` until about `size` bytes are produced."""
    out = [header.format_map(Fields(rng))] if header else []
    total = len(out[0]) if out else 0
    while total < size:
        block = rng.choice(bank).format_map(Fields(rng))
        out.append(block)
        total += len(block) + 1
    if footer:
        out.append(footer)
    return "\n".join(out).split("\n")


PYTHON = _templates('''
def {b}(self, {c}: dict, limit: int = {n}) -> list:
    """{s}."""
    results = []
    for item in {c}.get("{w}", [])[:limit]:
        if item.get("{a}") is None:
            continue
        results.append(self._{v}(item))
    logger.debug("{b} produced %d rows", len(results))
    return results
~~
class {A}({B}):
    """{s}."""

    {k} = {n}

    def __init__(self, {a}: str, {d}: int = {m}) -> None:
        super().__init__()
        self.{a} = {a}
        self.{d} = {d}

    def __repr__(self) -> str:
        return f"{A}({{self.{a}!r}})"
~~
@router.get("/{p}/{{{c}_id}}")
async def {b}({c}_id: int, session: Session = Depends(get_session)) -> {A}Out:
    row = await session.get({A}, {c}_id)
    if row is None:
        raise HTTPException(status_code=404, detail="{w} not found")
    return {A}Out.from_orm(row)
~~
def test_{b}_{h}(tmp_path):
    {c} = {A}("{w}", {n})
    out = {c}.{v}(tmp_path / "{w}.json")
    assert out.exists()
    assert {c}.{d} == {n}
~~
{k}_TIMEOUT = {n}
{k}_URL = "https://{host}:{m}/{p}"
{k}_RETRIES = int(os.environ.get("{k}_RETRIES", "{n}"))
''')

JAVASCRIPT = _templates('''
export async function {x}({y}, options = {{}}) {{
  const limit = options.limit ?? {n};
  const res = await fetch(`${{BASE_URL}}/{p}?limit=${{limit}}`);
  if (!res.ok) {{
    throw new Error(`{x} failed: ${{res.status}}`);
  }}
  return (await res.json()).{w}.filter((e) => e.{y} !== undefined);
}}
~~
export class {A} extends {B} {{
  constructor({y}) {{
    super();
    this.{y} = {y};
    this.retries = {n};
  }}

  {x}() {{
    return this.{y}.map((item) => ({{ ...item, id: "{h}" }}));
  }}
}}
~~
router.post("/{p}", async (req, res) => {{
  const {{ {y} }} = req.body;
  const record = await {A}.create({{ {y}, stage: "{w}" }});
  res.status(201).json(record);
}});
~~
describe("{x}", () => {{
  it("{s}", async () => {{
    const out = await {x}({{ {y}: {n} }});
    expect(out).toHaveLength({n});
  }});
}});
~~
const {k} = Object.freeze({{
  url: "https://{host}/{p}",
  port: {m},
  retries: {n},
}});
''')

TYPESCRIPT = _templates('''
export interface {A} {{
  id: string;
  {y}: number;
  {x}?: string[];
  createdAt: Date;
}}
~~
export async function {x}(client: HttpClient, {y}: {A}): Promise<{B}[]> {{
  const rows = await client.get<{B}[]>(`/{p}/${{{y}.id}}`);
  return rows.filter((r) => r.{w} > {n});
}}
~~
@Injectable()
export class {A}Service {{
  private readonly cache = new Map<string, {B}>();

  constructor(private readonly repo: Repository<{B}>) {{}}

  async {x}(id: string): Promise<{B} | undefined> {{
    if (!this.cache.has(id)) {{
      this.cache.set(id, await this.repo.findOneBy({{ id }}));
    }}
    return this.cache.get(id);
  }}
}}
~~
export const {k}: Record<string, number> = {{
  {y}: {n},
  {x}: {m},
}};
''')

GO = _templates('''
// {A} {s}.
func (s *{B}) {A}(ctx context.Context, {y} string) (*{C}, error) {{
	row, err := s.store.Get(ctx, {y})
	if err != nil {{
		return nil, fmt.Errorf("{x}: %w", err)
	}}
	if row.{B} > {n} {{
		return nil, Err{A}
	}}
	return row, nil
}}
~~
type {A} struct {{
	ID        string    `json:"id"`
	{B}       int       `json:"{a}"`
	{C}       []string  `json:"{d},omitempty"`
	CreatedAt time.Time `json:"created_at"`
}}
~~
func Test{A}(t *testing.T) {{
	s := New{B}(nil)
	got, err := s.{C}(context.Background(), "{w}")
	if err != nil {{
		t.Fatalf("{x}: %v", err)
	}}
	if got.{B} != {n} {{
		t.Errorf("got %d, want {n}", got.{B})
	}}
}}
~~
const (
	default{A}Timeout = {n} * time.Second
	{x}Port          = {m}
)
''')

JAVA = _templates('''
    /**
     * {s}.
     */
    public List<{A}> {x}(final String {y}, final int limit) {{
        List<{A}> out = new ArrayList<>();
        for ({A} item : repository.findBy{B}({y})) {{
            if (out.size() >= limit) {{
                break;
            }}
            out.add(item);
        }}
        LOG.debug("{x} returned {{}} rows", out.size());
        return out;
    }}
~~
    @GetMapping("/{p}/{{id}}")
    public ResponseEntity<{A}Dto> {x}(@PathVariable long id) {{
        return service.find{B}(id)
            .map(mapper::toDto)
            .map(ResponseEntity::ok)
            .orElse(ResponseEntity.notFound().build());
    }}
~~
    @Test
    void {x}Returns{B}() {{
        {A} subject = new {A}("{w}", {n});
        assertEquals({n}, subject.get{B}());
        assertTrue(subject.is{C}());
    }}
~~
    private static final int {k}_LIMIT = {n};
    private static final String {k}_PATH = "/{p}";
''')

RUBY = _templates('''
  # {s}.
  def {b}({c}, limit: {n})
    scope = {A}.where({a}: {c}).order(created_at: :desc)
    scope.limit(limit).map do |row|
      {B}.new(row).{v}
    end
  end
~~
class {A} < ApplicationRecord
  belongs_to :{c}
  has_many :{d}, dependent: :destroy
  validates :{a}, presence: true, length: {{ maximum: {n} }}

  scope :recent, -> {{ where("created_at > ?", {n}.days.ago) }}
end
~~
RSpec.describe {A} do
  it "{s}" do
    record = create(:{c}, {a}: "{w}")
    expect(record.{d}.count).to eq({n})
  end
end
~~
  {k}_LIMIT = {n}
  {k}_HOST = "{host}".freeze
''')

PHP = _templates('''
    /**
     * {s}.
     */
    public function {x}(array ${y}, int $limit = {n}): array
    {{
        $rows = $this->repository->findBy(['{a}' => ${y}['{w}'] ?? null]);
        return array_slice(array_map(fn ($r) => new {A}($r), $rows), 0, $limit);
    }}
~~
class {A} extends {B}
{{
    protected $table = '{d}';
    protected $fillable = ['{a}', '{c}', 'status'];

    public function {y}()
    {{
        return $this->belongsTo({B}::class);
    }}
}}
~~
Route::get('/{p}/{{id}}', [{A}Controller::class, '{x}'])->middleware('auth');
Route::post('/{p}', [{A}Controller::class, 'store'])->name('{w}.store');
~~
    const {k}_LIMIT = {n};
    private string ${y} = '{w}';
''')

CSHARP = _templates('''
        /// <summary>{s}.</summary>
        public async Task<IReadOnlyList<{A}>> {A}Async(string {y}, CancellationToken ct)
        {{
            var rows = await _db.{B}s.Where(r => r.{C} == {y}).Take({n}).ToListAsync(ct);
            _logger.LogDebug("{A} returned {{Count}} rows", rows.Count);
            return rows;
        }}
~~
    public sealed class {A}
    {{
        public Guid Id {{ get; init; }}
        public string {B} {{ get; set; }} = string.Empty;
        public int {C} {{ get; set; }} = {n};
    }}
~~
        [HttpGet("{p}/{{id:int}}")]
        public async Task<ActionResult<{A}Dto>> Get{B}(int id)
        {{
            var item = await _service.Find{B}Async(id);
            return item is null ? NotFound() : Ok(item);
        }}
~~
        private const int {A}Limit = {n};
        private static readonly TimeSpan {B}Timeout = TimeSpan.FromSeconds({n});
''')

YAML = _templates('''
{a}:
  enabled: true
  host: {host}
  port: {m}
  timeout_seconds: {n}
  tags: [{w}, {v}, {c}]
~~
{d}:
  - name: {w}
    path: /{p}
    replicas: {n}
  - name: {c}
    path: /{p}/{v}
    replicas: {n}
~~
logging:
  level: info
  {a}: {n}
''')

JSON_BLOCKS = _templates('''
  "{y}": {{
    "enabled": true,
    "endpoint": "https://{host}/{p}",
    "timeoutMs": {m},
    "retries": {n}
  }},
~~
  "{x}": ["{w}", "{v}", "{c}"],
~~
  "{a}": {{ "id": "{h}", "limit": {n}, "label": "{s}" }},
''')

INI = _templates('''
[{a}]
host = {host}
port = {m}
timeout = {n}
enabled = true
~~
[{d}]
path = /var/lib/{p}
workers = {n}
''')

TOML = _templates('''
[{a}]
host = "{host}"
port = {m}
timeout = {n}
tags = ["{w}", "{v}"]
~~
[[{d}]]
name = "{w}"
weight = {n}
''')

ENV = _templates('''
{k}_HOST={host}
{k}_PORT={m}
{k}_TIMEOUT={n}
~~
{k}_ENABLED=true
{k}_PATH=/{p}
''')

PROPERTIES = _templates('''
{c}.{w}.host={host}
{c}.{w}.port={m}
{c}.{w}.pool-size={n}
~~
spring.{c}.{v}.enabled=true
spring.{c}.{v}.timeout={n}s
''')

XML = _templates('''
  <bean id="{y}" class="com.example.{c}.{A}">
    <property name="{x}" value="{n}"/>
    <property name="endpoint" value="https://{host}/{p}"/>
  </bean>
~~
    <dependency>
      <groupId>com.example.{c}</groupId>
      <artifactId>{w}-{v}</artifactId>
      <version>{n}.{n}.0</version>
    </dependency>
~~
  <add key="{A}" value="{w}" />
''')

TERRAFORM = _templates('''
resource "aws_s3_bucket" "{a}" {{
  bucket = "${{var.prefix}}-{w}-{h}"
  tags = {{
    Name        = "{w}"
    Environment = var.environment
  }}
}}
~~
resource "aws_instance" "{a}" {{
  ami           = data.aws_ami.ubuntu.id
  instance_type = "t3.{c}"
  subnet_id     = module.vpc.private_subnets[{n} % length(module.vpc.private_subnets)]
  tags          = local.common_tags
}}
~~
variable "{a}" {{
  description = "{s}"
  type        = number
  default     = {n}
}}
~~
module "{d}" {{
  source  = "../modules/{w}"
  name    = "{w}-{v}"
  size    = {n}
  vpc_id  = module.vpc.vpc_id
}}
~~
output "{a}_arn" {{
  value = aws_iam_role.{a}.arn
}}
''')

TFVARS = _templates('''
{a} = {n}
{d} = "{w}"
~~
{a}_tags = {{
  team = "{c}"
  cost = "{h}"
}}
''')

DOCKERFILE = _templates('''
FROM python:3.11-slim AS {w}
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
~~
RUN apt-get update && apt-get install -y --no-install-recommends {w} {c} \\
    && rm -rf /var/lib/apt/lists/*
~~
ENV {k}_PORT={m}
EXPOSE {m}
~~
COPY --from={w} /app/{c} /usr/local/bin/{c}
CMD ["/usr/local/bin/{c}", "--port", "{m}"]
''')

COMPOSE = _templates('''
  {c}:
    image: registry.example.net/{w}/{c}:{n}.{n}
    restart: unless-stopped
    ports:
      - "{m}:{m}"
    environment:
      {k}_HOST: {host}
      {k}_TIMEOUT: "{n}"
    depends_on:
      - {w}
''')

K8S = _templates('''
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {w}-{c}
  labels:
    app: {w}
spec:
  replicas: {n}
  selector:
    matchLabels:
      app: {w}
  template:
    metadata:
      labels:
        app: {w}
    spec:
      containers:
        - name: {c}
          image: registry.example.net/{w}/{c}:{h}
          ports:
            - containerPort: {m}
          resources:
            limits:
              memory: "{n}Mi"
~~
---
apiVersion: v1
kind: Service
metadata:
  name: {w}-{c}
spec:
  selector:
    app: {w}
  ports:
    - port: 80
      targetPort: {m}
~~
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {w}-config
data:
  {k}_HOST: "{host}"
  {k}_PORT: "{m}"
''')

CI = _templates('''
  {w}-{v}:
    runs-on: ubuntu-latest
    needs: [build]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm ci && npm run {v}:{w}
~~
{w}:{v}:
  stage: {v}
  image: registry.example.net/ci/{c}:{n}
  script:
    - make {v}-{w}
  only:
    - main
''')

SHELL = _templates('''
{b}() {{
  local target="$1"
  echo "==> {s}"
  if [ ! -d "/opt/{p}" ]; then
    mkdir -p "/opt/{p}"
  fi
  rsync -az --delete "build/{c}/" "deploy@$target:/opt/{p}/"
}}
~~
for host in {w}-1 {w}-2 {w}-3; do
  ssh "deploy@$host" "sudo systemctl restart {c}.service"
done
~~
{k}_TIMEOUT=${{{k}_TIMEOUT:-{n}}}
''')

MARKDOWN = _templates('''
## {A}

{s}. The `{a}` option controls how many {c} entries are kept; the default is {n}.
When `{d}` is set the {w} service retries up to {n} times before giving up.

~~
### Configuring {w}

1. Install the `{c}` package.
2. Set `{k}_HOST` to `{host}`.
3. Run `make {v}-{w}` and check the logs.

~~
```bash
curl -s https://{host}/{p} | jq '.{w}'
```

~~
| option | default | meaning |
| --- | --- | --- |
| `{a}` | {n} | {s} |
| `{d}` | {m} | {v} the {c} |
''')

BANKS: dict[str, tuple[tuple[str, ...], str]] = {
    "py": (PYTHON, '"""{s}."""\n\nimport logging\nimport os\n\nlogger = logging.getLogger(__name__)\n'),
    "js": (JAVASCRIPT, "'use strict';\n\nimport {{ {B} }} from './{w}.js';\n"),
    "ts": (TYPESCRIPT, "import {{ {B} }} from './{w}';\nimport type {{ HttpClient }} from '../http';\n"),
    "go": (GO, 'package {c}\n\nimport (\n\t"context"\n\t"fmt"\n\t"time"\n)\n'),
    "java": (JAVA, "package com.example.{c};\n\nimport java.util.*;\n\npublic class {A} {{\n"),
    "rb": (RUBY, "# frozen_string_literal: true\n\nmodule {A}\n"),
    "php": (PHP, "<?php\n\nnamespace App\\{A};\n\nclass {B}Controller\n{{\n"),
    "cs": (CSHARP, "using System;\nusing System.Linq;\n\nnamespace Example.{A}\n{{\n"),
    "yaml": (YAML, "# {s}\nversion: {n}\n"),
    "json": (JSON_BLOCKS, '{{\n  "name": "{w}-{c}",\n  "version": "{n}.0.0",'),
    "ini": (INI, "; {s}\n"),
    "toml": (TOML, "# {s}\ntitle = \"{w}\"\n"),
    "env": (ENV, "# {w} environment\n"),
    "properties": (PROPERTIES, "# {s}\n"),
    "xml": (XML, '<?xml version="1.0" encoding="UTF-8"?>\n<configuration>\n'),
    "tf": (TERRAFORM, 'terraform {{\n  required_version = ">= 1.5"\n}}\n'),
    "tfvars": (TFVARS, 'environment = "{w}"\n'),
    "dockerfile": (DOCKERFILE, "# syntax=docker/dockerfile:1\n"),
    "compose": (COMPOSE, "services:\n"),
    "k8s": (K8S, "# {w} manifests\n"),
    "ci": (CI, "# {s}\n"),
    "sh": (SHELL, "#!/usr/bin/env bash\nset -euo pipefail\n"),
    "md": (MARKDOWN, "# {A}\n\n{s}.\n"),
}
FOOTERS = {"java": "}", "rb": "end", "php": "}", "cs": "}", "json": '  "end": true\n}', "xml": "</configuration>"}


def source(rng: random.Random, kind: str, size: int) -> Lines:
    bank, header = BANKS[kind]
    return fill(rng, bank, size, header, FOOTERS.get(kind, ""))


def minified_js(rng: random.Random, size: int) -> Lines:
    """A bundle: a few very long lines of dense JavaScript and a source-map comment."""
    parts: list[str] = []
    total = pending = 0
    line_len = rng.randrange(200_000, 600_000)
    lines: Lines = []
    while total < size:
        f = Fields(rng)
        piece = (
            f'function {f["x"]}(e,t){{var n=e.{f["y"]}||{f["n"]};return t.{f["w"]}(n,"{f["h"]}")}};'
            f'var {f["y"]}={{id:"{f["h"]}",url:"https://{f["host"]}/{f["p"]}",n:{f["m"]}}};'
        )
        parts.append(piece)
        total += len(piece)
        pending += len(piece)
        if pending > line_len:
            lines.append("".join(parts))
            parts, pending = [], 0
    lines.append("".join(parts))
    lines.append("//# sourceMappingURL=app.min.js.map")
    return lines


def _integrity(rng: random.Random) -> str:
    return "sha512-" + base64.b64encode(rng.randbytes(64)).decode()


def _repeat(rng: random.Random, size: int, entry: Callable[[random.Random, Fields], Lines]) -> Lines:
    """Entries from `entry` until about `size` bytes are produced."""
    out: Lines = []
    total = 0
    while total < size:
        lines = entry(rng, Fields(rng))
        out.extend(lines)
        total += sum(map(len, lines)) + len(lines)
    return out


def _npm_entry(rng: random.Random, f: Fields) -> Lines:
    name = f"{f['w']}-{f['v']}-{f['h'][:4]}"
    return [
        f'    "node_modules/{name}": {{',
        f'      "version": "{f["n"]}.{rng.randrange(20)}.{rng.randrange(20)}",',
        f'      "resolved": "https://registry.npmjs.org/{name}/-/{name}-{f["n"]}.0.0.tgz",',
        f'      "integrity": "{_integrity(rng)}",',
        '      "dev": true',
        "    },",
    ]


def _yarn_entry(rng: random.Random, f: Fields) -> Lines:
    name = f"{f['w']}-{f['c']}"
    return [
        f'"{name}@^{f["n"]}.0.0":',
        f'  version "{f["n"]}.{rng.randrange(20)}.0"',
        f'  resolved "https://registry.yarnpkg.com/{name}/-/{name}-{f["n"]}.0.0.tgz#{rng.randbytes(20).hex()}"',
        f"  integrity {_integrity(rng)}",
        "",
    ]


def _go_sum_entry(rng: random.Random, f: Fields) -> Lines:
    mod = f"github.com/{f['w']}/{f['c']}-{f['v']} v1.{f['n']}.0"
    h1, h2 = (base64.b64encode(rng.randbytes(32)).decode() for _ in range(2))
    return [f"{mod} h1:{h1}", f"{mod}/go.mod h1:{h2}"]


def package_lock(rng: random.Random, size: int) -> Lines:
    head = ["{", '  "name": "app",', '  "lockfileVersion": 3,', '  "packages": {']
    return head + _repeat(rng, size, _npm_entry) + ['    "": {}', "  }", "}"]


def yarn_lock(rng: random.Random, size: int) -> Lines:
    return ["# yarn lockfile v1", "", *_repeat(rng, size, _yarn_entry)]


def go_sum(rng: random.Random, size: int) -> Lines:
    return _repeat(rng, size, _go_sum_entry)


GENERATORS: dict[str, Callable[[random.Random, int], Lines]] = {
    "minjs": minified_js,
    "package-lock": package_lock,
    "yarn-lock": yarn_lock,
    "go-sum": go_sum,
}


def generate(rng: random.Random, kind: str, size: int) -> Lines:
    if kind in GENERATORS:
        return GENERATORS[kind](rng, size)
    return source(rng, kind, size)


COMMENT = {"js": "//", "ts": "//", "go": "//", "java": "//", "php": "//", "cs": "//", "ini": ";"}


def mutate(rng: random.Random, lines: Lines, edits: int, kind: str) -> Lines:
    """A near-identical copy: a few lines changed, dropped or added."""
    out = list(lines)
    mark = COMMENT.get(kind, "#")
    for _ in range(edits):
        i = rng.randrange(len(out))
        op = rng.randrange(3)
        f = Fields(rng)
        indent = out[i][: len(out[i]) - len(out[i].lstrip())]
        if op == 0:
            out[i] = f"{out[i]}  {mark} {f['v']} {f['w']}" if out[i].strip() else f"{mark} {f['s']}"
        elif op == 1 and len(out) > 2 and not any(ch in out[i] for ch in "{}()[]"):
            del out[i]  # a dropped line, but never a bracket: variants stay parseable
        else:
            out.insert(i, f"{indent}{mark} {f['s']}")
    return out

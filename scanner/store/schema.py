"""The datastore's tables. Bump SCHEMA_VERSION and add a step to MIGRATIONS when they change."""

from __future__ import annotations

SCHEMA_VERSION = 3
APPLICATION_ID = 0x6B737770  # "kswp": marks the SQLite file as a keysweep store

# 3: what each check of a secret said, when it changed (re-validation), and every revocation
CHECKS = """
CREATE TABLE IF NOT EXISTS verification_events (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL REFERENCES findings(fingerprint),
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    at          TEXT NOT NULL,
    before      TEXT,                               -- the status before (NULL: never checked)
    after       TEXT NOT NULL,                      -- valid | invalid
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS verification_events_run ON verification_events(run_id);
CREATE TABLE IF NOT EXISTS revocations (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT,                               -- NULL for a secret the store has not seen
    secret_hash TEXT NOT NULL,                      -- never the plaintext
    provider    TEXT NOT NULL,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,                      -- who ran it (user@host)
    dry_run     INTEGER NOT NULL,
    outcome     TEXT NOT NULL,                      -- revoked | would-revoke | failed | unsupported
    detail      TEXT NOT NULL DEFAULT ''
)
"""

TABLES = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id           INTEGER PRIMARY KEY,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    status       TEXT NOT NULL DEFAULT 'running',   -- running | ok | partial | failed
    targets      TEXT NOT NULL DEFAULT '[]',        -- JSON list of what was asked for
    tool_version TEXT NOT NULL DEFAULT '',
    rules_digest TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS repositories (
    id              INTEGER PRIMARY KEY,
    location        TEXT NOT NULL UNIQUE,           -- absolute path or clone URL
    name            TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'ok',     -- ok | missing | error
    last_error      TEXT,
    head_commit     TEXT,
    rules_digest    TEXT,
    first_seen_run  INTEGER NOT NULL REFERENCES runs(id),
    last_run        INTEGER NOT NULL REFERENCES runs(id),
    last_scanned_run INTEGER REFERENCES runs(id)
);
CREATE TABLE IF NOT EXISTS repo_tips (
    repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    ref     TEXT NOT NULL,
    commit_id TEXT NOT NULL,
    PRIMARY KEY (repo_id, ref)
);
CREATE TABLE IF NOT EXISTS scanned_commits (
    repo_id   INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    commit_id TEXT NOT NULL,
    run_id    INTEGER NOT NULL REFERENCES runs(id),
    PRIMARY KEY (repo_id, commit_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS findings (
    fingerprint     TEXT PRIMARY KEY,
    rule_id         TEXT NOT NULL,
    description     TEXT NOT NULL,
    severity        TEXT NOT NULL,
    hash20          TEXT NOT NULL,                  -- first 20 hex of secret_hash: the fingerprint's tail
    secret_hash     TEXT NOT NULL,                  -- never the plaintext
    secret_masked   TEXT NOT NULL,
    public_id       TEXT,                           -- identifiers that are not secret (AWS key ids)
    linked          TEXT NOT NULL DEFAULT '[]',     -- JSON list of related fingerprints
    first_seen_run  INTEGER NOT NULL REFERENCES runs(id),
    first_seen_at   TEXT NOT NULL,
    last_seen_run   INTEGER NOT NULL REFERENCES runs(id),
    last_seen_at    TEXT NOT NULL,
    resolved_at     TEXT,
    resolved_reason TEXT,                           -- removed-from-head | deactivated
    verification    TEXT                            -- JSON Verification.to_dict(), latest check
);
CREATE INDEX IF NOT EXISTS findings_hash20 ON findings(hash20);
CREATE INDEX IF NOT EXISTS findings_public_id ON findings(public_id);
CREATE TABLE IF NOT EXISTS occurrences (
    id             INTEGER PRIMARY KEY,
    fingerprint    TEXT NOT NULL REFERENCES findings(fingerprint),
    repo_id        INTEGER NOT NULL REFERENCES repositories(id),
    commit_id      TEXT NOT NULL DEFAULT '',
    path           TEXT NOT NULL,
    line           INTEGER NOT NULL,
    end_line       INTEGER NOT NULL,
    col            INTEGER NOT NULL,
    end_col        INTEGER NOT NULL,
    author_name    TEXT,
    author_email   TEXT,
    date           TEXT,
    subject        TEXT,
    extra          TEXT NOT NULL DEFAULT '{}',      -- JSON: refs, present_in_head, ... (no secrets)
    first_seen_run INTEGER NOT NULL REFERENCES runs(id),
    last_seen_run  INTEGER NOT NULL REFERENCES runs(id),
    UNIQUE (fingerprint, repo_id, commit_id, path, line, col)
);
CREATE INDEX IF NOT EXISTS occurrences_repo ON occurrences(repo_id);
CREATE INDEX IF NOT EXISTS occurrences_run ON occurrences(first_seen_run);
CREATE TABLE IF NOT EXISTS head_presence (             -- secrets present at each repository's HEAD
    repo_id     INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    fingerprint TEXT NOT NULL,                      -- as the HEAD scan found it (its rule may differ)
    hash20      TEXT NOT NULL DEFAULT '',           -- the secret: presence joins by this, not by rule
    PRIMARY KEY (repo_id, path, fingerprint)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS head_presence_fp ON head_presence(fingerprint);
CREATE INDEX IF NOT EXISTS head_presence_hash ON head_presence(hash20);
CREATE TABLE IF NOT EXISTS run_repositories (
    run_id          INTEGER NOT NULL REFERENCES runs(id),
    repo_id         INTEGER NOT NULL REFERENCES repositories(id),
    status          TEXT NOT NULL,                  -- scanned | unchanged | missing | error
    commits_scanned INTEGER NOT NULL DEFAULT 0,
    occurrences     INTEGER NOT NULL DEFAULT 0,
    new_occurrences INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 1,
    seconds         REAL NOT NULL DEFAULT 0,
    error           TEXT,
    PRIMARY KEY (run_id, repo_id)
);
""" + CHECKS

# version -> SQL that upgrades a store from version-1 to version.
MIGRATIONS: dict[int, str] = {
    # 2: HEAD presence by secret, not by rule: one secret found by another rule at HEAD is still open
    2: """
ALTER TABLE head_presence ADD COLUMN hash20 TEXT NOT NULL DEFAULT '';
UPDATE head_presence SET hash20 = substr(fingerprint, -20);
CREATE INDEX IF NOT EXISTS head_presence_hash ON head_presence(hash20)
""",
    3: CHECKS,
}

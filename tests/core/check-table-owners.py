#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Proves each table of the workspace has one owner, and SQL lives only there.

    check-table-owners.py SOURCE_DIR    print every SQL statement outside its table's owner
    check-table-owners.py --list        print the owners (the map below)
    check-table-owners.py --self-test   plant a query in a page and prove the check finds it

A C string that names a table in SQL (FROM, INTO, UPDATE, JOIN, TABLE, ON ...)
may stand only in that table's owner, and src/ui, src/agents, src/cli and src/app
may not prepare any statement at all: they ask the owners' typed APIs.
HACKING.md lists the owners too; change both together.
"""
import os
import re
import sys
import tempfile

# table -> the files that read and write it (paths under src/, globs by prefix with *)
OWNERS = {
    "schema_versions": ["store/aios-store.c"],
    "config": ["store/aios-config.c"],
    "events": ["store/aios-journal*.c"],
    "event_links": ["store/aios-journal*.c"],
    "records": ["memory/aios-memory*.c", "memory/aios-record-list.c"],
    "record_versions": ["memory/aios-memory*.c", "memory/aios-record-list.c"],
    "record_keys": ["memory/aios-memory*.c"],
    "records_fts": ["memory/aios-memory*.c"],
    "records_fts_new": ["memory/aios-memory*.c"],
    "record_embeddings": ["memory/aios-memory*.c"],
    "credential_refs": ["exec/aios-credentials.c"],
    "llm_roles": ["exec/aios-llm*.c"],
    "model_prices": ["exec/aios-llm*.c"],
    "prompts": ["exec/aios-llm*.c"],
    "runs": ["control/aios-runs.c"],
    "steps": ["control/aios-runs.c"],
    "approvals": ["control/aios-approvals.c"],
    "outbox": ["control/aios-outbox.c"],
    "policy_rules": ["control/aios-policy.c"],
    "flow_versions": ["control/aios-flow-registry.c"],
    "control_meta": ["control/aios-coordinator.c"],
    "schedules": ["control/aios-schedules.c"],
    "imap_mailboxes": ["exec/aios-imap-checkpoint.c"],
    "imap_messages": ["exec/aios-imap-checkpoint.c"],
}
# An owner may read another owner's table in a SELECT that joins it for a
# listing (never write it); each such read is named here with its reason.
JOINED_READS = {
    # an approval is shown with its run's flow and its step's name
    "control/aios-approvals.c": {"runs", "steps"},
    # a run is listed with its pending approval and its current step
    "control/aios-runs.c": {"approvals"},
}
# Each room's migrations create its own tables: DDL is allowed there.
SCHEMA_FILES = re.compile(r"^(store|memory|exec|control)/aios-[a-z]+-schema\.c$")
NO_SQL_ROOMS = ("ui/", "agents/", "cli/", "app/")
PREPARE = re.compile(r"\b(aios_store_(prepare|query|run|insert|exec|get_int64|get_string)|sqlite3_prepare\w*|sqlite3_exec)\s*\(")
STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
SQL_WORD = r"(?:FROM|INTO|UPDATE|JOIN|TABLE|EXISTS|ON)"


def owns(patterns, rel):
    for p in patterns:
        if p.endswith("*.c") and rel.startswith(p[:-3]) and rel.endswith(".c"):
            return True
        if "*" in p:
            head, tail = p.split("*", 1)
            if rel.startswith(head) and rel.endswith(tail):
                return True
        if rel == p:
            return True
    return False


def joined_strings(text):
    """C string literals, with adjacent literals joined (SQL spans lines)."""
    out = []
    pos = 0
    current = None
    start_line = 0
    for m in STRING.finditer(text):
        between = text[pos:m.start()]
        if current is not None and between.replace("\\\n", "").strip() == "":
            current += m.group(1)
        else:
            if current is not None:
                out.append((start_line, current))
            current = m.group(1)
            start_line = text.count("\n", 0, m.start()) + 1
        pos = m.end()
    if current is not None:
        out.append((start_line, current))
    return out


def problems_in(src):
    problems = []
    table_re = {t: re.compile(SQL_WORD + r"\s+\(?\s*" + re.escape(t) + r"\b", re.I) for t in OWNERS}
    for folder, _, names in os.walk(src):
        for name in sorted(names):
            if not name.endswith(".c"):
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, src).replace(os.sep, "/")
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if rel.startswith(NO_SQL_ROOMS):
                for m in PREPARE.finditer(text):
                    line = text.count("\n", 0, m.start()) + 1
                    problems.append(f"src/{rel}:{line}: {m.group(1)}() in {rel.split('/')[0]}/, "
                                    "which asks the tables' owners instead")
            if SCHEMA_FILES.match(rel):
                continue
            for line, s in joined_strings(text):
                for table, rx in table_re.items():
                    if not rx.search(s) or owns(OWNERS[table], rel):
                        continue
                    is_read = re.match(r"\s*(SELECT|WITH)\b", s, re.I) is not None
                    if is_read and table in JOINED_READS.get(rel, ()):
                        continue
                    problems.append(f"src/{rel}:{line}: SQL on table {table}, "
                                    f"owned by {', '.join(OWNERS[table])}")
    return problems


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        os.makedirs(os.path.join(src, "control"))
        os.makedirs(os.path.join(src, "ui"))
        with open(os.path.join(src, "control", "aios-runs.c"), "w") as f:
            f.write('static const char *q = "SELECT id FROM runs "\n  "WHERE id = ?";\n')
        with open(os.path.join(src, "ui", "aios-runs-page.c"), "w") as f:
            f.write('static const char *t = "Runs from the journal";\n')
        if problems_in(src):
            print(f"self-test: a clean tree was reported: {problems_in(src)}", file=sys.stderr)
            return 1
        with open(os.path.join(src, "ui", "aios-runs-page.c"), "a") as f:
            f.write('void f (void) { aios_store_prepare (store, "SELECT flow_id "\n "FROM runs WHERE id = ?", NULL); }\n')
        found = problems_in(src)
        if not (any("aios_store_prepare" in p for p in found) and any("table runs" in p for p in found)):
            print(f"self-test: the planted query was not found: {found}", file=sys.stderr)
            return 1
        print(f"self-test: planted query reported: {found}")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if sys.argv[1:] == ["--list"]:
        for table, files in OWNERS.items():
            print(f"{table:18} {', '.join(files)}")
        return 0
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = sys.argv[1]
    src = os.path.join(root, "src")
    if not os.path.isdir(src) and os.path.basename(os.path.normpath(root)) == "src":
        src = root  # given the src folder itself
    if not os.path.isdir(os.path.join(src, "control")):
        print(f"{root}: not an Aios checkout (no src/control)", file=sys.stderr)
        return 2
    problems = problems_in(src)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} statements outside their table's owner", file=sys.stderr)
        return 1
    print(f"{len(OWNERS)} tables, each with one owner; no SQL in ui/, agents/, cli/ or app/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

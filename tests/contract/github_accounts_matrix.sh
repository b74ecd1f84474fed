#!/usr/bin/env bash
# examples/github/accounts-matrix.yml passes @action-validator/cli and keeps
# its design: one job lists the accounts with `sipsync accounts ... --format
# json`, the plan and apply jobs run a matrix over fromJSON of that list
# with fail-fast: false, each in a concurrency group of its own account
# (apply never cancelled), plan only on pull requests from this repository
# (one comment per account), apply only on push, both through the action.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
cd "$SCRATCH" || exit 1
wf=$SRC_DIR/examples/github/accounts-matrix.yml
av=$SRC_DIR/tests/node/node_modules/.bin/action-validator
[ -x "$av" ] || fail "action-validator missing: run (cd tests/node && npm ci) or scripts/deps.sh --with-node"
"$av" "$wf" >av.out 2>&1 || { cat av.out >&2; fail "action-validator: accounts-matrix.yml"; }

python3 - "$wf" "$SRC_DIR/action.yml" <<'PY' || exit 1
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
action = yaml.safe_load(open(sys.argv[2]))
errors = []
def err(m): errors.append(m)
uses_action = lambda s: str(s.get("uses", "")).split("@")[0].endswith("/sipsync")
jobs = wf["jobs"]
lister = jobs.get("accounts", {})
runs = " ".join(str(s.get("run", "")) for s in lister.get("steps", []))
if "sipsync accounts" not in runs or "--format json" not in runs:
    err("job accounts: does not run `sipsync accounts ... --format json`")
if "accounts" not in lister.get("outputs", {}):
    err("job accounts: no output 'accounts'")
for name, cmd, event in (("plan", "plan", "pull_request"), ("apply", "apply", "push")):
    job = jobs.get(name, {})
    st = job.get("strategy", {})
    if st.get("fail-fast") is not False:
        err(f"job {name}: fail-fast must be false")
    if "fromJSON(needs.accounts.outputs.accounts)" not in str(st.get("matrix", {}).get("account")):
        err(f"job {name}: matrix not over fromJSON of the account list")
    if "accounts" not in str(job.get("needs")):
        err(f"job {name}: does not need the account list")
    group = str(job.get("concurrency", {}).get("group", ""))
    if "matrix.account.name" not in group:
        err(f"job {name}: concurrency group not per account: {group!r}")
    if event not in str(job.get("if", "")):
        err(f"job {name}: not limited to {event}")
    steps = [s for s in job.get("steps", []) if uses_action(s)]
    if not any(s.get("with", {}).get("command") == cmd and
               "--account ${{ matrix.account.name }}" in str(s["with"].get("args", ""))
               for s in steps):
        err(f"job {name}: no `{cmd} --account <matrix account>` through the action")
apply = jobs.get("apply", {})
if not str(apply.get("concurrency", {}).get("group", "")).startswith("sipsync-account-") or \
        apply.get("concurrency", {}).get("cancel-in-progress") is not False:
    err("job apply: must be in sipsync-account-<name>, never cancelled")
if "head.repo.full_name == github.repository" not in str(jobs.get("plan", {}).get("if", "")):
    err("job plan: plans for forks too (they get no secrets)")
plan_steps = [s for s in jobs.get("plan", {}).get("steps", []) if uses_action(s)]
if not any("matrix.account.name" in str(s.get("with", {}).get("comment-key", "")) for s in plan_steps):
    err("job plan: the accounts' comments would overwrite each other (comment-key)")
if "comment-key" not in action.get("inputs", {}):
    err("action.yml: no input comment-key")
if any(v == "write" for v in wf.get("permissions", {}).values()):
    err("top-level permissions grant write")
for e in errors:
    print("FAIL: examples/github/accounts-matrix.yml: " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
echo "github_accounts_matrix: ok"

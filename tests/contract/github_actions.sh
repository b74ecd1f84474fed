#!/usr/bin/env bash
# action.yml, every workflow in examples/github/ and .github/workflows/
# pass @action-validator/cli (the schemas of GitHub's action and workflow
# files); and the example workflow keeps what its review asked for: only
# the job that comments has pull-requests: write, no top-level write
# permission, every job that applies or checks drift is in one per-account
# concurrency group and never cancel-in-progress, the plan is skipped (not
# failed) for forks and Dependabot, and the merge applies the reviewed plan.
set -u
source "$SRC_DIR/tests/lib/sim.sh"
cd "$SCRATCH" || exit 1
av=$SRC_DIR/tests/node/node_modules/.bin/action-validator
[ -x "$av" ] || fail "action-validator missing: run (cd tests/node && npm ci) or scripts/deps.sh --with-node"

files=("$SRC_DIR/action.yml" "$SRC_DIR"/examples/github/*.yml "$SRC_DIR"/.github/workflows/*.yml)
for f in "${files[@]}"; do
	"$av" "$f" >av.out 2>&1 || { cat av.out >&2; fail "action-validator: ${f#"$SRC_DIR"/}"; }
done

python3 - "$SRC_DIR/examples/github/sipsync.yml" "$SRC_DIR/action.yml" <<'PY' || exit 1
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
action = yaml.safe_load(open(sys.argv[2]))
errors = []
def err(msg): errors.append(msg)

top = wf.get("permissions", {})
if any(v == "write" for v in top.values()):
    err(f"top-level permissions grant write: {top}")
uses_action = lambda step: str(step.get("uses", "")).split("@")[0].endswith("/sipsync")
for name, job in wf["jobs"].items():
    steps = job.get("steps", [])
    comments = any(uses_action(s) and str(s.get("with", {}).get("comment")) == "true" for s in steps)
    writes_pr = job.get("permissions", {}).get("pull-requests") == "write"
    if writes_pr and not comments:
        err(f"job {name}: pull-requests: write but it does not comment")
    if comments and not writes_pr:
        err(f"job {name}: comments without pull-requests: write")
    cmds = {s.get("with", {}).get("command") for s in steps if uses_action(s)}
    if cmds & {"apply", "drift"}:
        c = job.get("concurrency") or {}
        if not str(c.get("group", "")).startswith("sipsync-account-"):
            err(f"job {name}: applies or checks drift outside a per-account concurrency group")
        if c.get("cancel-in-progress") is not False:
            err(f"job {name}: cancel-in-progress must be false")
    if "plan" in cmds and "head.repo.full_name == github.repository" not in str(job.get("if", "")):
        err(f"job {name}: plans for forks too (they get no secrets)")
    if "apply" in cmds and not any(s.get("with", {}).get("plan-file") for s in steps if uses_action(s)):
        err(f"job {name}: never applies the reviewed plan (apply --plan)")
val = wf["jobs"].get("validate", {})
if not any(uses_action(s) and "--offline" in str(s.get("with", {}).get("args", "")) for s in val.get("steps", [])):
    err("job validate: no validate --offline for pull requests without secrets")
if "plan skipped" not in str(val):
    err("job validate: no message saying why the plan is skipped")
for o in ("exitcode", "changes", "plan-file"):
    if o not in action.get("outputs", {}):
        err(f"action.yml: no output {o}")
for i in ("command", "source", "args", "comment", "summary"):
    if i not in action.get("inputs", {}):
        err(f"action.yml: no input {i}")
for e in errors:
    print("FAIL: examples/github/sipsync.yml: " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
echo "github_actions: ok (${#files[@]} files)"

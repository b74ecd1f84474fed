# examples/kubernetes/: every overlay (and the drift CronJob) renders with
# `kubectl kustomize`, and what it renders is what the README promises: the
# kinds, the image, non-root with a read-only root filesystem, the probes,
# the scrape annotations, the account's own Secret referenced by name and no
# secret value anywhere in the manifests.
set -u
source "$SRC_DIR/tests/lib/sim.sh"

KUBECTL=${KUBECTL:-/usr/bin/kubectl}
if ! [ -x "$KUBECTL" ]; then
	echo "SKIP: $KUBECTL not found (Debian's kubernetes-client)"
	exit 77
fi
ex="$SRC_DIR/examples/kubernetes"
dirs=$(cd "$ex" && ls -d overlays/*/ drift-cronjob/ | sed 's:/$::')
assert_contains "$dirs" "overlays/staging" "staging overlay"
assert_contains "$dirs" "overlays/prod" "prod overlay"
for d in $dirs; do
	out="$SCRATCH/$(echo "$d" | tr / _).yaml"
	"$KUBECTL" kustomize "$ex/$d" >"$out" 2>"$SCRATCH/kustomize.err" ||
		fail "kubectl kustomize $d: $(cat "$SCRATCH/kustomize.err")"
	python3 - "$d" "$out" <<'PY' || fail "$d: the rendered manifests do not hold"
import sys, yaml

name, path = sys.argv[1], sys.argv[2]
docs = [d for d in yaml.safe_load_all(open(path)) if d]
kinds = sorted(d["kind"] for d in docs)

def check(cond, what):
    if not cond:
        sys.exit(f"{name}: {what}")

def pod_spec(d):
    if d["kind"] == "Deployment":
        return d["spec"]["template"]["spec"]
    return d["spec"]["jobTemplate"]["spec"]["template"]["spec"]

check(not any(d["kind"] == "Secret" for d in docs), "a Secret is rendered (secrets come from outside)")
for d in docs:
    check(not d.get("data") and not d.get("stringData"), f"{d['kind']} inlines data")
if name.startswith("overlays/"):
    account = name.split("/")[1]
    check(kinds == ["Deployment", "PodMonitor", "Service"], f"kinds {kinds}")
    ns = {d["metadata"].get("namespace") for d in docs}
    check(ns == {f"sipsync-{account}"}, f"namespaces {ns}")
else:
    account = "prod"
    check(kinds == ["CronJob"], f"kinds {kinds}")

for d in docs:
    if d["kind"] not in ("Deployment", "CronJob"):
        continue
    spec = pod_spec(d)
    psc = spec["securityContext"]
    check(psc.get("runAsNonRoot") is True and psc.get("runAsUser") == 10001, "pod not non-root (uid 10001)")
    (c,) = spec["containers"]
    check(c["image"].startswith("localhost/sipsync:"), f"image {c['image']}")
    sc = c["securityContext"]
    check(sc.get("readOnlyRootFilesystem") is True, "root filesystem writable")
    check(sc.get("allowPrivilegeEscalation") is False, "privilege escalation allowed")
    check(sc.get("capabilities", {}).get("drop") == ["ALL"], "capabilities kept")
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    for k, v in env.items():
        check(not any(w in k.upper() for w in ("KEY", "SECRET", "TOKEN", "PASSWORD")),
              f"env {k} would carry a secret value")
    args = c["args"]
    check(args[args.index("--path") + 1] == "accounts.yaml", "not the accounts file")
    acct = args[args.index("--account") + 1]
    if acct == "$(SIPSYNC_ACCOUNT)":
        acct = env["SIPSYNC_ACCOUNT"]
    check(acct == account, f"account {acct}, want {account}")
    vols = {v["name"]: v for v in spec["volumes"]}
    check(vols["secrets"]["secret"]["secretName"] == f"sipsync-{account}", "not the account's Secret")
    check("emptyDir" in vols["state"], "state not on an emptyDir")
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    check(mounts["secrets"].get("readOnly") is True, "secrets mounted writable")
    for flag in ("--webhook-secret-file", "--git-token-file"):
        if flag in args:
            check(args[args.index(flag) + 1].startswith(mounts["secrets"]["mountPath"] + "/"),
                  f"{flag} not a file of the mounted Secret")
    if d["kind"] == "Deployment":
        check(args[0] == "run", "the agent does not run")
        check(c["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness probe")
        check(c["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness probe")
        ann = d["spec"]["template"]["metadata"]["annotations"]
        check(ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/path") == "/metrics",
              "scrape annotations")
        check(d["spec"]["replicas"] == 1, "more than one writer per account")
    else:
        check(d["spec"]["concurrencyPolicy"] == "Forbid", "concurrencyPolicy")
        check(args[0] == "plan" and "--detailed-exitcode" in args, "not a drift plan")
        check(spec["restartPolicy"] == "Never", "restartPolicy")
for d in docs:
    if d["kind"] == "Service":
        check(d["spec"]["ports"][0]["port"] == 9479, "Service port")
    if d["kind"] == "PodMonitor":
        check(d["spec"]["podMetricsEndpoints"][0]["path"] == "/metrics", "PodMonitor path")
PY
done

# no secretGenerator or inline secret value in the example's sources
if grep -rnE 'secretGenerator|stringData|^\s*data:' "$ex"; then
	fail "a secret is generated or inlined in examples/kubernetes"
fi
echo "ok"

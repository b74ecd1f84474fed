#!/usr/bin/env bash
# sipsync validate --format json|github: exact machine-readable output.
set -euo pipefail
: "${SIPSYNC:?}" "${SRC_DIR:?}" "${SCRATCH:?}"
rm -rf "$SCRATCH" && mkdir -p "$SCRATCH" && cd "$SCRATCH"

source "$SRC_DIR/tests/lib/sim.sh" # fail, same, sipsync_expect

cat > f.yaml <<'YAML'
version: 1
sip:
  allowedCidrRanges: [10.0.0.1/8, 300.1.1.1/8]
registrations:
  items:
    - {username: "a,b", proxy: "p:5060", password: "x%y", bogus: 1}
YAML

sipsync_expect 1 validate --offline --format github f.yaml
# every problem, sorted by place (col 52 before col 59 on line 6)
same "$(cat out)" "::warning file=f.yaml,line=3,col=23,title=sip.allowedCidrRanges[0]::10.0.0.1/8 has host bits set; the network is 10.0.0.0/8
::error file=f.yaml,line=3,col=35,title=sip.allowedCidrRanges[1]::'300.1.1.1/8' is not an ipv4-cidr: octet out of range 0-255
::warning file=f.yaml,line=6,col=52,title=registrations.items[0].password::literal secret; use {env: NAME} or {file: PATH}
::error file=f.yaml,line=6,col=59,title=registrations.items[0]::unknown key 'bogus'; expected one of: username, password, proxy, outboundProxy, authUser" "github"
same "$(wc -l < out | tr -d ' ')" "4" "github line count"
same "$(cat err)" "invalid: 1 file, 2 errors, 2 warnings" "github summary on stderr"

# GitHub escaping of properties (: and ,) and data (%)
mkdir -p 'we,ird:dir'
printf 'version: 1\nsip:\n  fallbackHandler: {url: "https://h.example.com/%%zz"}\n' > 'we,ird:dir/x.yaml'
sipsync_expect 1 validate --offline --format github 'we,ird:dir/x.yaml'
same "$(cat out)" "::error file=we%2Cird%3Adir/x.yaml,line=3,col=26,title=sip.fallbackHandler.url::'https://h.example.com/%25zz' is not an absolute http(s) URL" "github escaping"

sipsync_expect 1 validate --offline --format json f.yaml
node -e '
const r = JSON.parse(require("fs").readFileSync("out", "utf8"));
const want = {valid: false, files: 1, errors: 2, warnings: 2};
for (const k of Object.keys(want))
  if (r[k] !== want[k]) { console.error("json", k, r[k]); process.exit(1); }
const d = r.diagnostics;
if (d.length !== 4) { console.error("json length", d.length); process.exit(1); }
const e = d[1];
const ok = e.severity === "error" && e.file === "f.yaml" && e.line === 3 &&
  e.col === 35 && e.path === "sip.allowedCidrRanges[1]" &&
  e.message === "\u0027300.1.1.1/8\u0027 is not an ipv4-cidr: octet out of range 0-255";
if (!ok) { console.error("json item", JSON.stringify(e)); process.exit(1); }
' || fail "json report: $(cat out)"
same "$(cat err)" "" "json: nothing on stderr"

sipsync_expect 0 validate --offline --format json "$SRC_DIR/examples/minimal.yaml"
same "$(node -e 'const r=JSON.parse(require("fs").readFileSync("out","utf8"));console.log(r.valid,r.files,r.errors,r.warnings,r.diagnostics.length)')" \
  "true 1 0 0 0" "json valid"

# a source that cannot be read is still a JSON report
sipsync_expect 1 validate --offline --format json missing.yaml
same "$(node -e 'const r=JSON.parse(require("fs").readFileSync("out","utf8"));console.log(r.valid,r.files,r.diagnostics[0].message)')" \
  "false 0 missing.yaml: No such file or directory" "json missing"
# colour only when asked (or on a terminal): the severity word alone
sipsync_expect 1 validate --offline --color always f.yaml
same "$(sed -n 2p err)" $'f.yaml:3:35: \e[1;31merror\e[0m: sip.allowedCidrRanges[1]: \'300.1.1.1/8\' is not an ipv4-cidr: octet out of range 0-255' "colour"
sipsync_expect 1 validate --offline f.yaml
! grep -q $'\e' err || fail "colour without a terminal"
echo "validate_formats: ok"

#!/usr/bin/env bash
# Regenerates the GitHub fixtures vcs/githubtest uses, from GitHub's own
# published descriptions on npm, so tests never download anything:
#   vcs/githubtest/testdata/openapi.json   the paths plumb calls, plus every
#                                          component they reference, cut from
#                                          @octokit/openapi's api.github.com.json
#   vcs/githubtest/testdata/webhooks/*.json  real payloads from
#                                          @octokit/webhooks-examples
# Needs node and npm. Usage: scripts/github-fixtures.sh
set -euo pipefail

OPENAPI_VERSION=${OPENAPI_VERSION:-23.0.2}
EXAMPLES_VERSION=${EXAMPLES_VERSION:-7.6.1}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/vcs/githubtest/testdata"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
npm pack --silent "@octokit/openapi@$OPENAPI_VERSION" "@octokit/webhooks-examples@$EXAMPLES_VERSION" >/dev/null
mkdir openapi examples
tar xzf octokit-openapi-*.tgz -C openapi
tar xzf octokit-webhooks-examples-*.tgz -C examples
mkdir -p "$out/webhooks"
rm -f "$out"/webhooks/*.json

OUT="$out" OPENAPI_VERSION="$OPENAPI_VERSION" EXAMPLES_VERSION="$EXAMPLES_VERSION" node - <<'JS'
const fs = require("fs");
const out = process.env.OUT;

// The REST operations plumb makes (vcs/*.go) and the
// ones the test server answers for other engineers' tests. Add a path here
// when plumb starts calling it; the test server rejects everything else.
const ops = {
  "/repos/{owner}/{repo}": ["get"],
  "/repos/{owner}/{repo}/issues/{issue_number}/comments": ["get", "post"],
  "/repos/{owner}/{repo}/issues/comments/{comment_id}": ["get", "patch", "delete"],
  "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": ["post"],
  "/repos/{owner}/{repo}/statuses/{sha}": ["post"],
  "/repos/{owner}/{repo}/commits/{ref}/statuses": ["get"],
  "/repos/{owner}/{repo}/issues": ["get", "post"],
  "/repos/{owner}/{repo}/issues/{issue_number}": ["get", "patch"],
  "/repos/{owner}/{repo}/commits/{commit_sha}/pulls": ["get"],
  "/repos/{owner}/{repo}/pulls/{pull_number}": ["get"],
  "/repos/{owner}/{repo}/pulls/{pull_number}/reviews": ["get"],
  "/repos/{owner}/{repo}/collaborators/{username}/permission": ["get"],
  "/orgs/{org}/teams/{team_slug}/memberships/{username}": ["get"],
  "/app/installations/{installation_id}/access_tokens": ["post"],
  "/user": ["get"],
  "/app": ["get"],
};

const full = JSON.parse(fs.readFileSync("openapi/package/generated/api.github.com.json", "utf8"));
const sub = {
  openapi: full.openapi,
  info: { ...full.info, description: `Subset of @octokit/openapi@${process.env.OPENAPI_VERSION} generated/api.github.com.json made by scripts/github-fixtures.sh` },
  servers: full.servers,
  paths: {},
  components: {},
};
for (const [p, methods] of Object.entries(ops)) {
  const item = full.paths[p];
  if (!item) throw new Error(`path ${p} is not in the description`);
  sub.paths[p] = {};
  if (item.parameters) sub.paths[p].parameters = item.parameters;
  for (const m of methods) {
    if (!item[m]) throw new Error(`${m} ${p} is not in the description`);
    sub.paths[p][m] = item[m];
  }
}
// Copy every component the kept operations reach, transitively.
const seen = new Set();
const walk = (v) => {
  if (Array.isArray(v)) return v.forEach(walk);
  if (!v || typeof v !== "object") return;
  for (const [k, x] of Object.entries(v)) {
    if (k === "$ref" && typeof x === "string" && x.startsWith("#/components/") && !seen.has(x)) {
      seen.add(x);
      const [, , kind, name] = x.split("/");
      const c = full.components[kind][name];
      (sub.components[kind] ||= {})[name] = c;
      walk(c);
    } else walk(x);
  }
};
walk(sub.paths);
for (const kind of Object.keys(sub.components)) {
  sub.components[kind] = Object.fromEntries(Object.entries(sub.components[kind]).sort());
}
fs.writeFileSync(`${out}/openapi.json`, JSON.stringify(sub, null, 1) + "\n");

// Webhook payloads: the first example of each (event, action) plumb cares
// about, plus one event plumb ignores.
const events = JSON.parse(fs.readFileSync("examples/package/api.github.com/index.json", "utf8"));
const want = [
  ["pull_request", "opened"], ["pull_request", "synchronize"], ["pull_request", "reopened"],
  ["pull_request", "closed"], ["pull_request", "ready_for_review"], ["pull_request", "labeled"],
  ["push", ""], ["issue_comment", "created"], ["issue_comment", "edited"], ["ping", ""], ["star", "created"],
];
for (const [name, action] of want) {
  const ev = events.find((e) => e.name === name);
  const ex = ev && ev.examples.find((p) => (p.action || "") === action);
  if (!ex) throw new Error(`no example for ${name} ${action}`);
  const file = action ? `${name}.${action}.json` : `${name}.json`;
  fs.writeFileSync(`${out}/webhooks/${file}`, JSON.stringify(ex, null, 2) + "\n");
}
fs.writeFileSync(`${out}/webhooks/SOURCE`, `@octokit/webhooks-examples@${process.env.EXAMPLES_VERSION} api.github.com/index.json\n`);
JS
ls -la "$out" "$out/webhooks"

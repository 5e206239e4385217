// graphql-http's server audit (the GraphQL-over-HTTP spec) against a live Gridline:
// every audit must pass, with no warning. .ci/run runs it: node audit.mjs URL
import { readFileSync } from "node:fs";
import { auditServer } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node audit.mjs URL");
  process.exit(2);
}
const version = JSON.parse(
  readFileSync(new URL("./node_modules/graphql-http/package.json", import.meta.url), "utf8"),
).version;
const results = await auditServer({ url });
const counts = { ok: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  if (result.status !== "ok") {
    let body = "";
    try {
      body = await result.response.text();
    } catch {
      // the body was read by the audit already
    }
    console.log(`${result.status.toUpperCase()} ${result.id} ${result.name}: ${result.reason}`);
    if (body) console.log(`  answered ${result.response.status}: ${body.slice(0, 300)}`);
  }
}
console.log(
  `graphql-http ${version} audit of ${url}: ${counts.ok} ok, ${counts.warn} warnings, ${counts.error} errors`,
);
process.exit(counts.warn + counts.error === 0 ? 0 : 1);

// Runs every document of queries/ through the real clients, as an app sends them, and
// writes tests/fixtures/client_documents.json: for each document, its source and, for
// each client, the text the client sends and the sha256 it sends with it. Run by hand
// (npm ci && node fixture.mjs) when a client version changes or to add samples; the
// tests check Gridline's own computation of these texts and hashes against the file.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { print } from "@apollo/client/utilities";
import { Client, cacheExchange, fetchExchange, gql as urqlGql } from "@urql/core";
import { persistedExchange } from "@urql/exchange-persisted";
import { Observable } from "rxjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const version = (name) =>
  JSON.parse(readFileSync(join(here, "node_modules", name, "package.json"), "utf8")).version;

// A server that knows no hash: the client then sends the text with its hash.
function recordingFetch(sent) {
  return async (url, init) => {
    let body;
    if (init?.body) {
      body = JSON.parse(init.body);
    } else {
      const params = new URL(url).searchParams;
      body = { query: params.get("query") ?? undefined };
      if (params.get("extensions")) body.extensions = JSON.parse(params.get("extensions"));
    }
    sent.push(body);
    const answer = body.query
      ? { data: null, errors: [{ message: "recorded", extensions: { code: "RECORDED" } }] }
      : {
          errors: [
            { message: "PersistedQueryNotFound", extensions: { code: "PERSISTED_QUERY_NOT_FOUND" } },
          ],
        };
    return new Response(JSON.stringify(answer), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  };
}

function operationOf(text) {
  const match = /^\s*(query|mutation|subscription)\b/m.exec(text);
  return match ? match[1] : "query";
}

function sentWithText(sent) {
  const full = sent.find((body) => typeof body.query === "string");
  if (!full) throw new Error(`no text sent: ${JSON.stringify(sent)}`);
  // The hash sent with the text (null when the client sends none, as urql for mutations).
  const hash = full.extensions?.persistedQuery?.sha256Hash ?? null;
  const hashOnly = sent.find((body) => body.query === undefined);
  return {
    body: full.query,
    sha256: hash,
    hashOnlyFirst: hash !== null && hashOnly?.extensions?.persistedQuery?.sha256Hash === hash,
  };
}

async function apollo(text) {
  const sent = [];
  if (operationOf(text) === "subscription") {
    // GraphQLWsLink sends print(operation.query): capture the same at the end of the chain.
    const capture = new ApolloLink(
      (operation) =>
        new Observable((observer) => {
          sent.push({ query: print(operation.query) });
          observer.complete();
        }),
    );
    const client = new ApolloClient({ link: capture, cache: new InMemoryCache() });
    await new Promise((resolve) => {
      client.subscribe({ query: gql(text) }).subscribe({ complete: resolve, error: resolve });
    });
    return { body: sent[0].query, sha256: null, hashOnlyFirst: false };
  }
  const link = ApolloLink.from([
    new PersistedQueryLink({ sha256 }),
    new HttpLink({ uri: "http://gridline.test/graphql", fetch: recordingFetch(sent) }),
  ]);
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  const document = gql(text);
  try {
    if (operationOf(text) === "mutation") {
      await client.mutate({ mutation: document, variables: {} });
    } else {
      await client.query({ query: document, variables: {}, fetchPolicy: "no-cache" });
    }
  } catch {
    // the recording server answers an error: what was sent is what counts
  }
  return sentWithText(sent);
}

async function urql(text) {
  const sent = [];
  const client = new Client({
    url: "http://gridline.test/graphql",
    fetch: recordingFetch(sent),
    exchanges: [cacheExchange, persistedExchange({ preferGetForPersistedQueries: false }), fetchExchange],
    requestPolicy: "network-only",
  });
  const kind = operationOf(text);
  if (kind === "subscription") {
    return null; // urql subscribes through subscriptionExchange (graphql-ws): no APQ
  }
  const document = urqlGql(text);
  const run = kind === "mutation" ? client.mutation(document, {}) : client.query(document, {});
  await run.toPromise();
  return sentWithText(sent);
}

// The build tools' manifests: Apollo's generator and GraphQL Codegen's client preset.
const bin = (name) => join(here, "node_modules", ".bin", name);
mkdirSync(join(here, "apollo"), { recursive: true }); // the generator does not make it
execFileSync(bin("generate-persisted-query-manifest"), ["--config", "persisted-query-manifest.config.json"], { cwd: here, stdio: "ignore" });
execFileSync(bin("graphql-codegen"), ["--config", "codegen.json"], { cwd: here, stdio: "ignore" });
const apolloManifest = JSON.parse(readFileSync(join(here, "apollo", "persisted-query-manifest.json"), "utf8"));
const codegenDocuments = JSON.parse(readFileSync(join(here, "codegen", "persisted-documents.json"), "utf8"));
const nameOf = (body) => /(?:^|\} )(?:query|mutation|subscription) (\w+)/.exec(body)?.[1];
const codegenByName = Object.fromEntries(
  Object.entries(codegenDocuments).map(([id, body]) => [nameOf(body), { id, body }]),
);

const documents = {};
const directory = join(root, "queries");
for (const file of readdirSync(directory).filter((name) => name.endsWith(".graphql")).sort()) {
  const text = readFileSync(join(directory, file), "utf8");
  const name = file.replace(/\.graphql$/, "");
  const manifest = apolloManifest.operations.find((operation) => operation.name === name);
  documents[file] = {
    source: text,
    apollo: await apollo(text),
    urql: await urql(text),
    apolloManifest: { id: manifest.id, type: manifest.type, body: manifest.body },
    codegen: codegenByName[name],
  };
}

const fixture = {
  generatedBy: "tools/clients/fixture.mjs",
  clients: {
    "@apollo/client": version("@apollo/client"),
    "@urql/core": version("@urql/core"),
    "@urql/exchange-persisted": version("@urql/exchange-persisted"),
    graphql: version("graphql"),
    "@apollo/generate-persisted-query-manifest": version("@apollo/generate-persisted-query-manifest"),
    "@graphql-codegen/cli": version("@graphql-codegen/cli"),
    "@graphql-codegen/client-preset": version("@graphql-codegen/client-preset"),
  },
  documents,
};
writeFileSync(
  join(root, "tests", "fixtures", "client_documents.json"),
  JSON.stringify(fixture, null, 2) + "\n",
);
console.log(`${Object.keys(documents).length} documents recorded`);

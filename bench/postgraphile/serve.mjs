// Serve graphile.config.mjs on its host and port with BENCH_POSTGRAPHILE_WORKERS
// processes (node's cluster module; the workers accept connections themselves, as
// uvicorn's do), as `make bench` runs Gridline with --workers. GET /readyz answers 200
// once every worker has built its schema and listens.
import cluster from "node:cluster";
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/node";
import preset from "./graphile.config.mjs";

const workers = Math.max(1, Number(process.env.BENCH_POSTGRAPHILE_WORKERS || 1));
const { host, port } = preset.grafserv;
cluster.schedulingPolicy = cluster.SCHED_NONE;

if (cluster.isPrimary) {
  let listening = 0;
  for (let i = 0; i < workers; i += 1) cluster.fork();
  cluster.on("listening", () => {
    listening += 1;
    if (listening === workers) {
      for (const worker of Object.values(cluster.workers)) worker.send("ready");
    }
  });
  cluster.on("exit", (worker, code, signal) => {
    console.error(`worker ${worker.process.pid} exited (${signal || code}): stopping`);
    process.exit(1);
  });
  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => {
      for (const worker of Object.values(cluster.workers)) worker.process.kill("SIGTERM");
      process.exit(0);
    });
  }
} else {
  let ready = false;
  process.on("message", (message) => {
    if (message === "ready") ready = true;
  });
  // The primary is gone (killed outright): no worker outlives it.
  process.on("disconnect", () => process.exit(0));
  const pgl = postgraphile(preset);
  await pgl.getSchema(); // introspect before listening: no request waits for it
  const handle = pgl.createServ(grafserv).createHandler();
  const server = createServer((req, res) =>
    handle(req, res, () => {
      const found = req.url === "/readyz";
      res.writeHead(found ? (ready ? 200 : 503) : 404, { "Content-Type": "text/plain" });
      res.end(found ? (ready ? "ok" : "starting") : "not found");
    }),
  );
  server.listen(port, host);
  process.on("SIGTERM", async () => {
    server.close();
    await pgl.release();
    process.exit(0);
  });
}

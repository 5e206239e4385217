// PostGraphile 5 over the bench database: the peer that `make bench` compares Gridline
// with (bench/peer.py starts it through serve.mjs). Bench only.
//
// The connection string comes from the bench's own setting, GRIDLINE_BENCH_POSTGRES_URL
// (a SQLAlchemy URL; its driver suffix is dropped), with the bench's default. Production
// settings: no GraphiQL, no watch mode, no explain, no websockets; the Amber preset
// alone over schema `public`; a pool as large as one Gridline process's.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/gridline_bench";
const url = (process.env.GRIDLINE_BENCH_POSTGRES_URL || DEFAULT_URL).replace(
  /^postgresql\+\w+:/,
  "postgresql:",
);
// GRIDLINE_DATABASE_POOL_SIZE is Gridline's pool per process (core/settings.py, default 10).
const poolSize = Number(process.env.GRIDLINE_DATABASE_POOL_SIZE || 10);

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: url,
      schemas: ["public"],
      poolConfig: { max: poolSize },
      pubsub: false,
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.BENCH_POSTGRAPHILE_PORT || 5678),
    graphqlPath: "/graphql",
    graphiql: false,
    graphiqlOnGraphQLGET: false,
    watch: false,
    websockets: false,
  },
  grafast: { explain: false },
};

export default preset;

/**
 * What `wrangler.toml` binds. Vars written as TOML numbers arrive as numbers,
 * quoted ones as strings, so the limits accept both.
 */
export interface Bindings {
  /** Most texts in one `POST /v1/classify` (default 32). */
  MAX_TEXTS?: string | number;
  /** Longest text, in UTF-16 code units (default 20000). */
  MAX_TEXT_CHARS?: string | number;
  /** Largest request body in bytes (default 1 MiB). */
  MAX_BODY_BYTES?: string | number;
  /** `*` or a comma-separated list of origins allowed to call the API. */
  CORS_ORIGINS?: string;
  /** Bucket holding other model versions; see `MODEL_KEY`. */
  MODEL_BUCKET?: R2Bucket;
  /** Folder in `MODEL_BUCKET` with `model.json` and `weights.bin`; unset serves the bundled model. */
  MODEL_KEY?: string;
}

/** The Hono environment of every route and middleware of this app. */
export interface AppEnv {
  Bindings: Bindings;
}

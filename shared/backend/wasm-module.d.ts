/**
 * `*.wasm` imports, as wrangler and @cloudflare/vitest-pool-workers provide
 * them (the `CompiledWasm` module rule): compiled ahead of time, because
 * workerd refuses to compile WebAssembly at run time.
 */
declare module '*.wasm' {
  const wasmModule: WebAssembly.Module;
  export default wasmModule;
}

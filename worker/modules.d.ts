/** `*.bin` imports: wrangler's `Data` rule (see wrangler.toml) gives their bytes. */
declare module '*.bin' {
  const bytes: ArrayBuffer;
  export default bytes;
}

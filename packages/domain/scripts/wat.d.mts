/** The binary module of WebAssembly text (with the SIMD and bulk-memory features it uses). */
export function assembleWat(text: string): Promise<Uint8Array>;

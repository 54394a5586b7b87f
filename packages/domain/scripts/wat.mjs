import wabtInit from 'wabt';

/** The binary module of WebAssembly text (with the SIMD and bulk-memory features it uses). */
export async function assembleWat(text) {
  const wabt = await wabtInit();
  const mod = wabt.parseWat('lanes.wat', text, { simd: true, bulk_memory: true });
  try {
    mod.validate();
    return Uint8Array.from(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

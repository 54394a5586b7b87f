// Assembles src/compare/lanes.wat into src/compare/lanes-wasm.ts (the module's bytes, so the
// domain needs no file or network access to load it). Run after editing the .wat:
//   pnpm --filter @carryover/domain wasm
// test/lanes-wasm.test.ts fails while the two disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assembleWat } from './wat.mjs';

const wat = fileURLToPath(new URL('../src/compare/lanes.wat', import.meta.url));
const out = fileURLToPath(new URL('../src/compare/lanes-wasm.ts', import.meta.url));
const bytes = await assembleWat(readFileSync(wat, 'utf8'));
const lines = [];
for (let i = 0; i < bytes.length; i += 16)
  lines.push(`  ${[...bytes.subarray(i, i + 16)].join(', ')},`);
writeFileSync(
  out,
  `// Generated from lanes.wat by \`pnpm --filter @carryover/domain wasm\`; do not edit.
// biome-ignore format: one row of bytes per line
export const LANES_WASM = Uint8Array.of(
${lines.join('\n')}
);
`,
);
console.info(`wrote ${bytes.length} bytes to ${out}`);

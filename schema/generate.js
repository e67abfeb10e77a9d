// Writes the JSON Schema files in schema/ from the zod schemas (src/manifest/schema.ts).
// `npm run schema` builds first; test/slow/manifest/schema.test.ts fails when the files drift.
import { writeFile } from 'node:fs/promises';
import { jsonSchemas } from '../dist/manifest/schema.js';

for (const [file, schema] of Object.entries(jsonSchemas())) {
  await writeFile(new URL(file, import.meta.url), JSON.stringify(schema, null, 2) + '\n');
  console.log(`wrote schema/${file}`);
}

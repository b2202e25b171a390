/**
 * npm run schema: writes schema/experiment.schema.json, the JSON Schema of experiment files that
 * editors use (each file's first line points yaml-language-server at it).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../experiment/load.js';
import { experimentJsonSchemaText } from '../experiment/schema.js';
import { main } from './run.js';

await main(async () => {
  const file = path.join(PROJECT_ROOT, 'schema', 'experiment.schema.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, experimentJsonSchemaText());
  console.log(path.relative(process.cwd(), file) || file);
});

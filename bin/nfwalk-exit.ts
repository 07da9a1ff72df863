import { main } from '../src/cli/index.ts';
import { processIo } from '../src/cli/main.ts';

const code = await main(process.argv.slice(2), { ...processIo });
process.exit(code);

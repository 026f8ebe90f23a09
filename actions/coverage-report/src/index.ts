// The entry point the runner starts (bundled into dist/ by scripts/build-dist.ts).
import { run } from './main.ts';

process.exitCode = await run();

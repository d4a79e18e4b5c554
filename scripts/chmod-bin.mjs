// tsc writes the CLI entry point without the execute bit; `npx smbcmp` and `npm link` need it.
import { chmodSync } from "node:fs";

chmodSync(new URL("../dist/src/cli/main.js", import.meta.url), 0o755);

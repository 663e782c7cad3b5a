// Serves the built demo (web/dist, from `node scripts/build-web.mjs`) on loopback:
//   node scripts/serve-web.mjs [--port 8080]
import { existsSync } from "node:fs";
import { join } from "node:path";
import { webDist } from "./build-web.mjs";
import { startStaticServer } from "./static-server.mjs";

const portFlag = process.argv.indexOf("--port");
const port = portFlag >= 0 ? Number(process.argv[portFlag + 1]) : 8080;
if (!existsSync(join(webDist, "index.html"))) {
  console.error("web/dist is not built: run `node scripts/build-web.mjs` (or `npm run web`)");
  process.exit(1);
}
const { url } = await startStaticServer({ "/": webDist }, port);
console.log(`ghostnet-ts demo at ${url} (Ctrl-C stops)`);

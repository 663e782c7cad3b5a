// A tiny static file server on 127.0.0.1 for the demo page and the browser tests.
// It sends the cross-origin isolation headers (COOP/COEP) so pages get SharedArrayBuffer,
// and serves only files under the given folders (a URL prefix → a folder).
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".onnx": "application/octet-stream",
  ".map": "application/json",
};

/**
 * Starts serving `mounts` ({ "/": "/abs/web/dist", "/harness/": "/abs/test/runtimes" }) on
 * 127.0.0.1; `port` 0 picks a free port. Resolves to { url, close() }.
 */
export async function startStaticServer(mounts, port = 0) {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = createServer(async (request, response) => {
    const headers = {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Cache-Control": "no-store",
    };
    try {
      const path = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
      const prefix = prefixes.find((p) => path.startsWith(p));
      if (prefix === undefined) throw new Error("not found");
      const root = normalize(mounts[prefix]);
      let file = normalize(join(root, path.slice(prefix.length)));
      if (file !== root && !file.startsWith(root + sep)) throw new Error("outside the served folder");
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      response.writeHead(200, { ...headers, "Content-Type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404, { ...headers, "Content-Type": "text/plain" });
      response.end("not found\n");
    }
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const address = server.address();
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

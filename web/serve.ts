// A tiny static file server for the playground (web/), Node-only: used by `npm run web` and by the browser tests.
// It sends the cross-origin-isolation headers (COOP/COEP), so the page gets SharedArrayBuffer and the wasm backend its
// threads; without them (isolate: false, like a static host that cannot set headers) the page runs on one thread.
import { createServer, type Server } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".gz": "application/gzip",
  ".safetensors": "application/octet-stream",
};

export interface ServeOptions {
  /** Send Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy (default true). */
  isolate?: boolean;
}

export interface StaticServer {
  server: Server;
  /** e.g. http://127.0.0.1:43567/ */
  url: string;
  close(): Promise<void>;
}

/** Serves `root` on host:port (port 0: an ephemeral one); resolves once listening. */
export async function serveStatic(root: string, port = 0, host = "127.0.0.1", opts: ServeOptions = {}): Promise<StaticServer> {
  const base = resolve(root);
  const isolation: Record<string, string> = opts.isolate === false ? {} : {
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-embedder-policy": "require-corp",
  };
  const server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      let file = normalize(join(base, path));
      // refuse anything that resolves outside the served folder (../ in the path)
      if (file !== base && !file.startsWith(base + sep)) {
        res.writeHead(403).end("forbidden");
        return;
      }
      try {
        if ((await stat(file)).isDirectory()) file = join(file, "index.html");
        const body = await readFile(file);
        res.writeHead(200, {
          "content-type": TYPES[extname(file)] ?? "application/octet-stream",
          "cache-control": "no-store",
          ...isolation,
        });
        res.end(body);
      } catch {
        res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}`);
      }
    })();
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => ok());
  });
  const addr = server.address();
  const actualPort = typeof addr === "object" && addr ? addr.port : port;
  return {
    server,
    url: `http://${host}:${actualPort}/`,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

// `tsx web/serve.ts [port] [--no-isolation]`: serve web/ until interrupted.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const isolate = !args.includes("--no-isolation");
  const port = Number(args.find((a) => !a.startsWith("--")) ?? 8080);
  const s = await serveStatic(fileURLToPath(new URL(".", import.meta.url)), port, "127.0.0.1", { isolate });
  console.log(`convkit playground: ${s.url}  (${isolate ? "cross-origin isolated: threads" : "no COOP/COEP headers: one thread"}; build first: npm run build:web)`);
}

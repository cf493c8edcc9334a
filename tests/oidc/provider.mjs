// A real OpenID provider for jwtguard's tests: panva's oidc-provider on 127.0.0.1.
//
//   node provider.mjs --port 8080 --admin-port 8081 [--tls-cert server.crt --tls-key server.key]
//
// It issues JWT access tokens (RFC 9068, `typ: at+jwt`) by the client_credentials grant, for
// the resources of RESOURCES (the `resource` parameter, RFC 8707; the token's `aud`). Once both
// servers listen it prints one JSON line on stdout: {"issuer", "port", "admin"}.
//
// The admin server (test-only, plain HTTP on 127.0.0.1, never on the provider's port):
//   POST /rotate        a new signing key, published in front of the others: it signs from now
//                       on (the provider is rebuilt with the new key set, as a reload would)
//   POST /rotate?retire=1   the same, and the older keys are no longer published
//   POST /down, /up     stop listening (open connections are dropped) and listen again, same port
//   GET  /stats         how many requests reached the provider, per path: {"/jwks": 3, ...}
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

const { values: options } = parseArgs({
  options: {
    port: { type: 'string' },
    'admin-port': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
  },
});
const HOST = '127.0.0.1';
const port = Number(options.port);
const adminPort = Number(options['admin-port']);
const tls = options['tls-cert'] !== undefined;
const issuer = `${tls ? 'https' : 'http'}://${HOST}:${port}`;

// The APIs tokens are issued for: resource indicator (the token's aud) and the scopes it knows.
const RESOURCES = {
  'https://notes.example/api': 'notes:read notes:write',
  'https://other.example/api': 'other:read',
};
// Test-only clients; their secrets guard nothing.
const CLIENTS = [
  { client_id: 'notes-client', client_secret: 'notes-client-secret' },
  { client_id: 'other-client', client_secret: 'other-client-secret' },
].map((client) => ({
  ...client,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
}));

let serial = 0;
function signingKey() {
  serial += 1;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `key-${serial}-${randomBytes(4).toString('hex')}`;
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

function build(keys) {
  const provider = new Provider(issuer, {
    clients: CLIENTS,
    jwks: { keys },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'https://notes.example/api',
        useGrantedResource: () => true,
        getResourceServerInfo(ctx, resource) {
          const scope = RESOURCES[resource];
          if (scope === undefined) throw new errors.InvalidTarget();
          return {
            scope,
            audience: resource,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 600,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  });
  return provider.callback();
}

let keys = [signingKey()];
let handle = build(keys);
const hits = {};

function serve(request, response) {
  const path = new URL(request.url, issuer).pathname;
  hits[path] = (hits[path] ?? 0) + 1;
  handle(request, response);
}

const server = tls
  ? https.createServer(
    { cert: readFileSync(options['tls-cert']), key: readFileSync(options['tls-key']) },
    serve,
  )
  : http.createServer(serve);
server.keepAliveTimeout = 1000;

function listen() {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close() {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const admin = http.createServer(async (request, response) => {
  const url = new URL(request.url, `http://${HOST}`);
  const route = `${request.method} ${url.pathname}`;
  let answer;
  try {
    if (route === 'POST /rotate') {
      const key = signingKey();
      keys = url.searchParams.get('retire') ? [key] : [key, ...keys];
      handle = build(keys);
      answer = { kid: key.kid, kids: keys.map((each) => each.kid) };
    } else if (route === 'POST /down') {
      await close();
      answer = { listening: server.listening };
    } else if (route === 'POST /up') {
      if (!server.listening) await listen();
      answer = { listening: server.listening };
    } else if (route === 'GET /stats') {
      answer = hits;
    } else {
      response.writeHead(404).end();
      return;
    }
  } catch (error) {
    response.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(error));
    return;
  }
  response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
});

function stop() {
  admin.close();
  close().then(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

await listen();
await new Promise((resolve) => {
  admin.listen(adminPort, HOST, resolve);
});
process.stdout.write(`${JSON.stringify({ issuer, port, admin: adminPort })}\n`);

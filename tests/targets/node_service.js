'use strict';
// What the JavaScript test services share: a seeded random source (mulberry32, so a SEED gives
// the same sequence of requests) and an HTTP server on loopback that prints its port.
const http = require('node:http');

let state = Number(process.env.SEED || 1) >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function serve(handler) {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
    console.log(`listening on ${server.address().port}`);
  });
  return server;
}

module.exports = { random, serve };

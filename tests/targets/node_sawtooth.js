'use strict';
// An HTTP service whose replies build large short-lived strings and buffers, dropped in bursts:
// heap and RSS swing in a sawtooth with no trend, as a streaming gateway's long replies do.
const http = require('node:http');

const BURST = Number(process.env.BURST || 200);

let state = Number(process.env.SEED || 1) >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

let inFlight = []; // replies of the current burst, released together when it ends
let served = 0;
const server = http.createServer((req, res) => {
  const size = 16_384 + Math.floor(random() * 49_152);
  inFlight.push({ text: 'x'.repeat(size) + served, buffer: Buffer.alloc(size * 4, served & 0xff) });
  if (++served % BURST === 0) inFlight = [];
  res.end(`ok ${inFlight.length}\n`);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});

'use strict';
// An HTTP service with a least-recently-used cache of rendered replies that fills to its cap
// and then holds: growth that stops, not a leak. Node standard library only.
const http = require('node:http');

const CAP = Number(process.env.CACHE_CAP || 2000);

class CachedReply {
  constructor(key, size) {
    this.key = key;
    this.text = `cached ${key} `.padEnd(size, '.');
  }
}

let state = Number(process.env.SEED || 1) >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const cache = new Map();
let next = 0;
const server = http.createServer((req, res) => {
  const key = next++;
  cache.set(key, new CachedReply(key, 128 + Math.floor(random() * 256)));
  if (cache.size > CAP) cache.delete(cache.keys().next().value); // Map keeps insertion order
  res.end(`ok ${cache.size}\n`);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});

'use strict';
// An HTTP service with a least-recently-used cache of rendered replies that fills to its cap
// and then holds: growth that stops, not a leak. Node standard library only.
const { random, serve } = require('./node_service');

const CAP = Number(process.env.CACHE_CAP || 2000);

class CachedReply {
  constructor(key, size) {
    this.key = key;
    this.text = `cached ${key} `.padEnd(size, '.');
  }
}

const cache = new Map();
let next = 0;
serve((req, res) => {
  const key = next++;
  cache.set(key, new CachedReply(key, 128 + Math.floor(random() * 256)));
  if (cache.size > CAP) cache.delete(cache.keys().next().value); // Map keeps insertion order
  res.end(`ok ${cache.size}\n`);
});

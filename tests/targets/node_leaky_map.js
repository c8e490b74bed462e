'use strict';
// An HTTP service that records every request in a Map and never deletes the record: a leak of
// one RequestRecord (and its reply text) per request. Node standard library only.
const http = require('node:http');

class RequestRecord {
  constructor(id, url, size) {
    this.id = id;
    this.url = url;
    this.startedAt = Date.now();
    this.reply = `reply ${id} `.padEnd(size, '.');
  }
}

// mulberry32: the payload sizes follow SEED, so a seed gives the same sequence of requests.
let state = Number(process.env.SEED || 1) >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const sessions = new Map();
let next = 0;
const server = http.createServer((req, res) => {
  const id = next++;
  sessions.set(id, new RequestRecord(id, req.url, 128 + Math.floor(random() * 256)));
  res.end(`ok ${sessions.size}\n`);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});

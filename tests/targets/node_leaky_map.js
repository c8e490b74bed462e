'use strict';
// An HTTP service that records every request in a Map and never deletes the record: a leak of
// one RequestRecord (and its reply text) per request. Node standard library only.
const { random, serve } = require('./node_service');

class RequestRecord {
  constructor(id, url, size) {
    this.id = id;
    this.url = url;
    this.startedAt = Date.now();
    this.reply = `reply ${id} `.padEnd(size, '.');
  }
}

const sessions = new Map();
let next = 0;
serve((req, res) => {
  const id = next++;
  sessions.set(id, new RequestRecord(id, req.url, 128 + Math.floor(random() * 256)));
  res.end(`ok ${sessions.size}\n`);
});

'use strict';
// An HTTP service whose replies build large short-lived strings and buffers, dropped in bursts:
// heap and RSS swing in a sawtooth with no trend, as a streaming gateway's long replies do.
const { random, serve } = require('./node_service');

const BURST = Number(process.env.BURST || 200);

let inFlight = []; // replies of the current burst, released together when it ends
let served = 0;
serve((req, res) => {
  const size = 16_384 + Math.floor(random() * 49_152);
  inFlight.push({ text: 'x'.repeat(size) + served, buffer: Buffer.alloc(size * 4, served & 0xff) });
  if (++served % BURST === 0) inFlight = [];
  res.end(`ok ${inFlight.length}\n`);
});

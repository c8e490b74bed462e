"""The V8 inspector of a Node target: endpoint discovery on loopback, a Chrome DevTools Protocol
client, and a streaming heap-snapshot census. Core layer: no reports, no commands."""

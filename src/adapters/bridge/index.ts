export { PROTOCOL_VERSION, parseRequest, encodeReply, type OpenRequest, type Request, type Reply, type FieldPlacement } from './protocol.js';
export { SlotRing, layoutBatch, encodeHeader, defaultShmDir, SLOT_MAGIC, SLOT_ALIGN, SLOT_DIR_PREFIX, type SlotLayout, type SlotMeta } from './slots.js';
export { serveBridge, type BridgeServer, type BridgeServerOptions, type BridgeSession } from './server.js';
export { epochBatchCount } from './epoch-length.js';

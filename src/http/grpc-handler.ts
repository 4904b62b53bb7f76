import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';

// The hook the API listener calls for each gRPC request (HTTP/2, content-type application/grpc*) on the API port;
// src/flight/ exports a function of this shape and app.ts passes it to HttpServer (edges do not import each other).
export type GrpcHandler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;

// gRPC status codes the listener itself answers with (the gRPC specification's numbering).
export const GRPC_STATUS = { DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13 } as const;

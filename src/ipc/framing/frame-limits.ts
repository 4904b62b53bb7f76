// One place for the frame constants both the decoder and the encoders agree on (and python-runner's framing.py).
export const FRAME_HEADER_BYTES = 4;

// Matches python-runner's DEFAULT_MAX_FRAME_BYTES; a 10k-row WAL batch is well under 2 MiB.
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

// The header is a uint32, so no cap can exceed this.
export const ABSOLUTE_MAX_FRAME_BYTES = 0xffff_ffff;

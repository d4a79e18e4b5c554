/**
 * The capture layer's output: application PDUs (NBSS messages or bare SMB messages) of TCP
 * connections, each tied to the Wireshark frame number that completed it, plus enough location
 * information to read the PDU's bytes again later without re-reading the capture.
 */

/** A byte range of the (decompressed) capture file. */
export interface FileRange {
  /** File offset, or -1 for bytes missing from the capture (a TCP gap; they read as zeros). */
  offset: number;
  length: number;
}

export interface Pdu {
  /** Wireshark frame number (1-based; every record of the file counts) of the frame completing it. */
  frame: number;
  /** Capture timestamp of that frame, seconds since the Unix epoch (float, µs precision or better). */
  time: number;
  /** Nanoseconds part of the timestamp, for exact display. */
  nanos: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** Index of the TCP connection (0, 1, ... in order of first appearance). */
  conn: number;
  /** NBSS message type (0x00 session message, 0x81 request, 0x82 positive, 0x83 negative, 0x85 keepalive); -1 when unframed. */
  nbssType: number;
  /**
   * The PDU payload (the NBSS message body, without the 4-byte NBSS header); only its first bytes
   * for big plain SMB2 reads and writes (see BIG_PDU in tcp.ts): `data.length < size` then.
   */
  data: Buffer;
  /** Length of the whole payload on the wire. */
  size: number;
  /**
   * Where the PDU lives in the capture file, in order (the NBSS header, then the payload: see
   * `skip`); concatenating these ranges gives the PDU (`data` is its first `data.length` bytes).
   * Built from `spans` on first access: prefer `spans` when copying them.
   */
  ranges: FileRange[];
  /**
   * The same ranges, flat: offset, length, offset, length... (offset -1 = missing bytes). One
   * array per PDU instead of one object per TCP segment. Read back with `Capture.readSpans`.
   */
  spans: readonly number[];
  /** Offset of `data` within the concatenation of `ranges` (ranges include the NBSS header). */
  skip: number;
  /** Other frames that carried bytes of this PDU (for "reassembled in" info); may be empty. */
  frames?: number[];
  /** True when bytes are missing inside this PDU (TCP gap): dissect what is there. */
  incomplete?: boolean;
  /**
   * The frame where the PDU that this PDU's connection and direction is assembling now started, 0
   * when none: asked after later frames were read, it tells whether a PDU that started in this
   * PDU's frame is still incomplete.
   */
  pendingFrom?(): number;
}

export interface CaptureWarning {
  frame: number;
  message: string;
}

export interface ReadOptions {
  /** Extra TCP ports carrying NBSS (445 and 139 always do). */
  ports?: number[];
  /** Called for recoverable problems (truncated file, bad record, TCP gap). */
  onWarning?: (w: CaptureWarning) => void;
  /** Called every so often with bytes consumed and total, for progress indicators. */
  onProgress?: (done: number, total: number) => void;
  /** Cap on out-of-order TCP bytes queued per direction (default 64 MB); beyond it, skip ahead. */
  maxOutOfOrder?: number;
  /** Cap on out-of-order TCP bytes queued over all connections (default 256 MB). */
  maxOutOfOrderTotal?: number;
  /** PDUs declaring more bytes are indexed from their first 1 KB only, with a warning (default 16 MB). */
  maxPdu?: number;
  /** TCP connections tracked at once (default 100000); beyond, the least recently active are forgotten. */
  maxConnections?: number;
  /**
   * When true, `Pdu.data` may be a view into a read buffer that is reused: valid only until the
   * iteration of pdus() moves on; copy any part kept longer. Saves a copy and an allocation per
   * PDU (most PDUs fit in one segment). Default false: every `data` is the PDU's own memory.
   */
  borrowData?: boolean;
}

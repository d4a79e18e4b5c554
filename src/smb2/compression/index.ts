/**
 * SMB2 compression (MS-SMB2 2.2.42, MS-XCA): parse the \xfcSMB compression transform header and
 * decompress it, with every output bounded by the header's sizes and a hard cap.
 *
 *   isCompressionTransform(pdu): boolean
 *   decompressTransform(pdu, {maxOutput? = 16 MiB}) -> {ok:true, data, header} | {ok:false, error}
 *       never throws; `data` is the SMB2 message(s) the PDU carried (prefix + decompressed segment
 *       for unchained, the concatenated payloads for chained).
 *   parseCompressionTransform(pdu) -> {ok, value: CompressionHeader} | {ok:false, error}
 *       CompressionHeader = {chained:false, originalSize, algorithm, flags, offset, prefix, compressed}
 *                         | {chained:true, originalSize, payloads: ChainedPayload[]}
 *   decompressAlgorithm(algorithm, data, size, maxOutput?) -> Buffer (exactly `size` bytes; throws
 *       DecompressError)
 *   Raw MS-XCA decompressors (throw DecompressError; bounded by their size argument):
 *     lz77Decompress(input, maxOutput), lznt1Decompress(input, maxOutput),
 *     lz77HuffmanDecompress(input, outputSize), patternV1Decompress(payload, maxOutput)
 *   CompressionAlgo {NONE 0, LZNT1 1, LZ77 2, LZ77Huffman 3, PatternV1 4, LZ4 5 (not supported)},
 *   compressionAlgoNames, DEFAULT_MAX_OUTPUT.
 */
export { DEFAULT_MAX_OUTPUT, DecompressError } from "./errors.js";
export { lz77Decompress } from "./lz77.js";
export { lz77HuffmanDecompress } from "./lz77huffman.js";
export { lznt1Decompress } from "./lznt1.js";
export { type PatternV1, parsePatternV1, patternV1Decompress } from "./pattern.js";
export {
  type ChainedPayload,
  COMPRESSION_PROTOCOL_ID,
  CompressionAlgo,
  type CompressionHeader,
  compressionAlgoNames,
  type DecompressOptions,
  type DecompressResult,
  decompressAlgorithm,
  decompressTransform,
  FLAG_CHAINED,
  isCompressionTransform,
  parseCompressionTransform,
} from "./transform.js";

// libFuzzer entry for the weights reader: any bytes, parsed as a legacy torch checkpoint, must
// give tensors or a thrown error, never a crash, a hang or an out-of-bounds read (ASan).
// Built by scripts/fuzz.sh with the reader's sources (Sources/Engine/Weights), not by SwiftPM.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWeights(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  _ = try? TorchCheckpoint.parse(UnsafeRawBufferPointer(start: data, count: size))
  return 0
}

// libFuzzer entry for the decode path: the bytes are written to a file (its extension chosen
// by the first byte: .png, .jpg, .mp4, .mkv, .webm, as users name files) and read with
// VideoReader as the command line reads inputs and style images, up to 4 frames at a long side
// of 64 px. Any outcome but a crash, a hang or a memory error (ASan) is fine.
// Built by scripts/fuzz.sh with Sources/Video, not by SwiftPM.
import Foundation

private let extensions = ["png", "jpg", "mp4", "mkv", "webm"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecode(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  guard size > 1 else { return 0 }
  let ext = extensions[Int(data[0]) % extensions.count]
  let path = "/dev/shm/stylize-video-fuzz-\(getpid()).\(ext)"
  let bytes = Data(bytes: data + 1, count: size - 1)
  guard FileManager.default.createFile(atPath: path, contents: bytes) else { return 0 }
  defer { unlink(path) }
  if let reader = try? VideoReader(path, options: ReadOptions(longSide: 64)) {
    for _ in 0..<4 {
      guard let frame = try? reader.nextFrame() else { break }
      precondition(frame.rgb.count == 3 * frame.width * frame.height, "frame size mismatch")
    }
  }
  _ = try? MediaInfo.probe(path)
  return 0
}

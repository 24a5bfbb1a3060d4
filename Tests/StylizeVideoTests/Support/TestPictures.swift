import Foundation
import TestSupport
import Video

/// Pictures and folders the CLI tests write into a fresh temporary directory.
struct TestPictures {
  /// A fresh folder for one test; delete it with `remove()`.
  let folder: TemporaryFolder

  init() throws { folder = try TemporaryFolder(prefix: "stylize-video-cli") }

  /// The folder.
  var directory: URL { folder.url }

  /// A path inside the folder.
  func path(_ name: String) -> String { folder.path(name) }

  /// Deletes the folder and everything in it.
  func remove() { folder.remove() }

  /// A smooth RGB scene seen through a `width` x `height` window at `offset`, bytes on 0...255.
  ///
  /// Pixel (x, y) shows the scene at (x - offset.x, y - offset.y), so content moves by +offset;
  /// `scale` 2 shows the same content at twice the resolution.
  /// `noise(c, x, y)` (in 0...255 units) is added at window position (x, y).
  static func scene(
    width: Int, height: Int, offset: (x: Float, y: Float), scale: Float = 1,
    noise: (Int, Int, Int) -> Float = { _, _, _ in 0 }
  ) -> VideoFrame {
    var rgb = [UInt8](repeating: 0, count: 3 * width * height)
    for y in 0..<height {
      for x in 0..<width {
        let sx = (Float(x) + 0.5) / scale - 0.5 - offset.x
        let sy = (Float(y) + 0.5) / scale - 0.5 - offset.y
        let values = [
          0.5 + 0.12 * sin(sx / 5 + sy / 13) + 0.12 * cos(sy / 7 - sx / 17),
          0.5 + 0.2 * sin((sx + 2 * sy) / 9),
          0.5 + 0.12 * cos((sx - sy) / 6) + 0.12 * sin(sy / 4 + 1),
        ]
        for c in 0..<3 {
          let value = 255 * values[c] + noise(c, x, y)
          rgb[3 * (y * width + x) + c] = UInt8(min(max(value.rounded(), 0), 255))
        }
      }
    }
    return VideoFrame(width: width, height: height, rgb: rgb)
  }
}

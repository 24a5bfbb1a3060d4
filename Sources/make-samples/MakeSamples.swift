import Foundation
import Video

/// `make-samples <dir>`: writes the demo's sample content, made procedurally by our own code.
///
/// - `<dir>/clip.mp4`: 3 s, 24 fps, 384x216 H.264 + AAC: a camera pan and zoom over a
///   landscape (`Landscape`) with a plucked arpeggio (`arpeggio`).
/// - `<dir>/style.png`: 512x512 brush-stroke painting (`Painting`).
/// Existing files are replaced. The output is the same on every run.
@main
struct MakeSamples {
  static func main() throws {
    let arguments = CommandLine.arguments.dropFirst()
    guard arguments.count == 1, let directory = arguments.first, !directory.hasPrefix("-") else {
      FileHandle.standardError.write(Data("usage: make-samples <dir>\n".utf8))
      exit(2)
    }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

    let clipPath = (directory as NSString).appendingPathComponent("clip.mp4")
    let seconds = 3.0, fps = 24.0
    let landscape = Landscape(width: 384, height: 216)
    let writer = try VideoWriter(
      to: clipPath, frameRate: fps, audio: arpeggio(seconds: seconds), overwrite: true)
    for index in 0..<Int(seconds * fps) {
      try writer.append(landscape.frame(at: Double(index) / fps, duration: seconds))
    }
    try writer.finish()
    print("wrote \(clipPath)")

    let stylePath = (directory as NSString).appendingPathComponent("style.png")
    try writeImage(Painting(size: 512).render(), to: stylePath, overwrite: true)
    print("wrote \(stylePath)")
  }
}

import Foundation

/// Times the default `OpticalFlow` at 512x288 and 1024x436 (best of 3 pairs) and reports its
/// end-point error on the three synthetic cases; one line per measurement, for `bench`.
public func flowBenchmark() -> String {
  let flow = OpticalFlow()
  var lines = ["optical flow: TV-L1, \(coreCount) cores"]
  for (width, height) in [(512, 288), (1024, 436)] {
    let cases = SyntheticMotion.standardCases(width: width, height: height)
    var best = Double.infinity
    for attempt in 0..<3 {
      let scene = cases[attempt].scene
      let start = DispatchTime.now().uptimeNanoseconds
      _ = flow.flow(from: scene.first, to: scene.second)
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    lines.append(
      String(format: "  %4dx%-4d  %.3f s per frame pair (best of 3)", width, height, best))
  }
  for (name, scene) in SyntheticMotion.standardCases(width: 512, height: 288) {
    let estimate = flow.flow(from: scene.first, to: scene.second)
    let epe = estimate.endPointError(to: scene.forward, where: scene.forwardValid)
    var line = String(format: "  512x288 %@: EPE %.3f px", name, epe)
    if scene.nearBoundary.contains(true) {
      let near = zip(scene.forwardValid, scene.nearBoundary).map { $0 && $1 }
      line += String(
        format: " (%.3f px within 3 px of the motion boundary)",
        estimate.endPointError(to: scene.forward, where: near))
    }
    lines.append(line)
  }
  return lines.joined(separator: "\n")
}

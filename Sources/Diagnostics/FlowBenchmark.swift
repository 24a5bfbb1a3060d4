import Engine
import Foundation

/// Times the default `OpticalFlow` at 512x288 and 1024x436 (best of 3 pairs) and reports its
/// end-point error on the three synthetic cases; one line per measurement, for `bench`.
///
/// Wall time depends on what else runs on the cores; the process CPU time next to it does not.
public func flowBenchmark() -> String {
  let flow = OpticalFlow()
  var lines = ["optical flow: coarse-to-fine TV-L1, \(coreCount) cores"]
  for (width, height) in [(512, 288), (1024, 436)] {
    let cases = SyntheticMotion.standardCases(width: width, height: height)
    var best = (wall: Double.infinity, processor: Double.infinity)
    for (_, scene) in cases {
      let (wall, processor) = (DispatchTime.now().uptimeNanoseconds, processorSeconds())
      _ = flow.flow(from: scene.first, to: scene.second)
      let elapsed = Double(DispatchTime.now().uptimeNanoseconds - wall) / 1e9
      if elapsed < best.wall { best = (elapsed, processorSeconds() - processor) }
    }
    lines.append(
      String(
        format: "  %4dx%-4d %.3f s per frame pair (best of 3; %.3f s CPU)", width, height,
        best.wall, best.processor))
  }
  for (name, scene) in SyntheticMotion.standardCases(width: 512, height: 288) {
    let estimate = flow.flow(from: scene.first, to: scene.second)
    let epe = estimate.endPointError(to: scene.forward, where: scene.forwardValid)
    var line = String(format: "  512x288 %@: EPE %.3f px", name, epe)
    if scene.nearBoundary.contains(true) {
      let near = zip(scene.forwardValid, scene.nearBoundary).map { $0 && $1 }
      let boundary = estimate.endPointError(to: scene.forward, where: near)
      line += String(format: " (%.3f px within 3 px of the motion boundary)", boundary)
    }
    lines.append(line)
  }
  return lines.joined(separator: "\n")
}

/// CPU seconds used by this process so far, on all threads.
private func processorSeconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

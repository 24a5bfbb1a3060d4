import ArgumentParser
import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// The command line: `stylize-video <input> --style <image>` runs `Stylize`, the default.
@main
struct StylizeVideo: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stylize-video",
    abstract: "Give a video, a folder of frames or an image the look of a painting.",
    discussion: """
      Examples:
        stylize-video in.mp4 --style painting.jpg             (in-stylized.mp4)
        stylize-video frames/ --style painting.jpg -o out/    (frame folders)
        stylize-video photo.jpg --style painting.jpg          (photo-stylized.jpg)
        stylize-video in.mp4 --style painting.jpg --preview 24
      All options of the main command: stylize-video help stylize
      """,
    subcommands: [
      Stylize.self, Texture.self, Explain.self, Probe.self, Bench.self, FlowCommand.self, Metrics.self,
      Plan.self, RunSegment.self, Assemble.self,
    ],
    defaultSubcommand: Stylize.self)

  static func main() {
    restartWithOpenBLASSetUpIfNeeded()
    returnLargeBuffersToTheSystem()
    do {
      var command = try parseAsRoot(nil)
      try command.run()
    } catch let interrupted as Interrupted {
      // ArgumentParser's exit code would be 1; a stop by a signal reports the signal.
      let line = Array("Error: \(interrupted)\n".utf8)
      _ = write(STDERR_FILENO, line, line.count)
      Glibc.exit(interrupted.exitCode)
    } catch {
      exit(withError: error)
    }
  }
}

/// Gives buffers of 256 KB and more pages of their own, returned to the system when freed.
///
/// By default glibc raises that threshold after each such free, up to 32 MB, and then serves
/// the engine's per-iteration images from its heap, which only grows: 0.90 GB peak instead of
/// 0.83 GB for a 512x288 video. `mallopt` is not in Swift's Glibc module, so it is looked up.
private func returnLargeBuffersToTheSystem() {
  #if canImport(Glibc)
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD in <malloc.h>
    _ = unsafeBitCast(symbol, to: Mallopt.self)(mmapThreshold, 256 << 10)
  #endif
}

/// Runs this program again, once, with OpenBLAS set up for this machine, when it is not:
///
/// - `OPENBLAS_THREAD_TIMEOUT=4` unless the variable is set. After each product OpenBLAS's idle
///   threads spin (`sched_yield`) for 2^28 cycles, about 0.1 s, before they sleep: on two cores
///   they take turns with the engine's own threads, which run between products (14 % of a video
///   frame's samples in `perf` were that spinning). 2^4 cycles makes them sleep at once: 512x288
///   iteration 0.377-0.392 s -> 0.356-0.361 s.
/// - `OPENBLAS_CORETYPE` when the variable is not set and OpenBLAS took this CPU for one without
///   AVX2 (`BLASKernels`): on this project's 2-core Xeon (model 207) OpenBLAS 0.3.21 runs its
///   SSE3 "Prescott" kernels, and a 256x144 iteration takes 0.80 s instead of 0.38 s (SkylakeX).
///
/// The library reads both variables when it loads, before `main`, so they need a fresh start.
private func restartWithOpenBLASSetUpIfNeeded() {
  #if os(Linux)
    var changed: [String] = []
    if getenv("OPENBLAS_THREAD_TIMEOUT") == nil {
      setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1)
      changed.append("OPENBLAS_THREAD_TIMEOUT")
    }
    if getenv("OPENBLAS_CORETYPE") == nil,
      let kernels = BLASKernels.replacement(for: blasKernelName, cpuFlags: cpuFlags())
    {
      setenv("OPENBLAS_CORETYPE", kernels, 1)
      changed.append("OPENBLAS_CORETYPE")
    }
    guard !changed.isEmpty else { return }
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    changed.forEach { unsetenv($0) }  // still here: exec failed; carry on as OpenBLAS started
  #endif
}

/// The feature flags of the first CPU in /proc/cpuinfo ("avx2", "fma", ...); empty when unknown.
private func cpuFlags() -> Set<String> {
  guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
  defer { fclose(file) }
  var line: UnsafeMutablePointer<CChar>? = nil
  var capacity = 0
  defer { free(line) }
  while getline(&line, &capacity, file) > 0, let line {
    let text = String(cString: line)
    guard text.hasPrefix("flags"), let colon = text.firstIndex(of: ":") else { continue }
    return Set(text[text.index(after: colon)...].split(whereSeparator: \.isWhitespace).map(String.init))
  }
  return []
}

// swift-tools-version:6.0
import Foundation
import PackageDescription

/// The engine's own loops (Winograd transforms, pooling, losses, flow) and those of the
/// diagnostics (synthetic scenes) are compiled for the machine that builds them when it has AVX2
/// and FMA, as on every x86-64 CPU since 2013: 256-bit vectors instead of SSE2's 128. `STYLIZE_VIDEO_PORTABLE=1` builds for any x86-64 instead (for
/// a binary that has to run elsewhere).
let engineSettings: [SwiftSetting] = {
  #if arch(x86_64) && os(Linux)
    let portable = ProcessInfo.processInfo.environment["STYLIZE_VIDEO_PORTABLE"] == "1"
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let flags = Set(cpu.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }))
    let haswell: Set<Substring> = ["avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"]
    if !portable && flags.isSuperset(of: haswell) {
      return [.unsafeFlags(["-target-cpu", "haswell"])]
    }
  #endif
  return []
}()

let package = Package(
  name: "stylize-video",
  products: [
    .executable(name: "stylize-video", targets: ["stylize-video"]),
    .library(name: "Video", targets: ["Video"]),
    .library(name: "Engine", targets: ["Engine"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    .systemLibrary(
      name: "CFFmpeg", pkgConfig: "libavformat",
      providers: [.apt(["libavcodec-dev", "libavformat-dev", "libswscale-dev", "libavutil-dev"])]),
    .systemLibrary(
      name: "COpenBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]),
    .target(name: "Video", dependencies: ["CFFmpeg"]),
    .target(name: "Engine", dependencies: ["COpenBLAS"], swiftSettings: engineSettings),
    // Benchmarks, layer timing and synthetic scenes with known flow (for `bench` and the tests);
    // reaches the engine's kernels through `package` access.
    .target(name: "Diagnostics", dependencies: ["Engine"], swiftSettings: engineSettings),
    .executableTarget(
      name: "stylize-video",
      dependencies: [
        "Video", "Engine", "Diagnostics",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(name: "make-samples", dependencies: ["Video"]),
    // Helpers the test targets share (test targets cannot depend on one another).
    .target(name: "TestSupport", path: "Tests/Support"),
    .testTarget(name: "VideoTests", dependencies: ["Video", "TestSupport"]),
    .testTarget(name: "EngineTests", dependencies: ["Engine", "Diagnostics"]),
    .testTarget(
      name: "StylizeVideoTests", dependencies: ["stylize-video", "Engine", "Video", "TestSupport"]),
  ]
)

// swift-tools-version:6.0
import PackageDescription

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
    .target(name: "Engine", dependencies: ["COpenBLAS"]),
    .executableTarget(
      name: "stylize-video",
      dependencies: [
        "Video", "Engine", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(name: "make-samples", dependencies: ["Video"]),
    .testTarget(name: "VideoTests", dependencies: ["Video"]),
    .testTarget(name: "EngineTests", dependencies: ["Engine"]),
    .testTarget(name: "StylizeVideoTests", dependencies: ["stylize-video", "Engine", "Video"]),
  ]
)

import Dispatch
import Engine

/// Per-layer wall-clock seconds of `VGG19`'s passes, added up while it is the network's
/// `profile`.
final class LayerProfile: LayerTimer {
  private(set) var forward = [Double](repeating: 0, count: VGG19.Layer.allCases.count)
  private(set) var backward = [Double](repeating: 0, count: VGG19.Layer.allCases.count)
  private var last: UInt64 = 0

  /// The monotonic clock, in nanoseconds.
  static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

  func start() { last = Self.now() }

  func lap(forward layer: VGG19.Layer) { forward[layer.depth] += elapsed() }

  func lap(backward layer: VGG19.Layer) { backward[layer.depth] += elapsed() }

  private func elapsed() -> Double {
    let now = Self.now()
    defer { last = now }
    return Double(now - last) * 1e-9
  }
}
